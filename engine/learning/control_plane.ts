// The control plane to the agents' parameters: the ParamHost exposed with comlink on one end of a
// MessageChannel, a comlink proxy on the other. Commands are messages, never calls from the hot
// path; the host applies what they stage at the next cycle boundary (param_host.ts).
import { expose, releaseProxy, wrap, type Endpoint, type Remote } from 'comlink';
import type { ParamHost } from '../../workers/agents/index.ts';

export interface ControlPlane {
  remote: Remote<ParamHost>;
  close(): void;
}

export function openControlPlane(host: ParamHost): ControlPlane {
  const { port1, port2 } = new MessageChannel();
  expose(host, port1 as unknown as Endpoint);
  const remote = wrap<ParamHost>(port2 as unknown as Endpoint);
  return {
    remote,
    close(): void {
      remote[releaseProxy]();
      port1.close();
      port2.close();
    },
  };
}
