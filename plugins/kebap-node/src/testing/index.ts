export { FakeKubernetesApi } from './FakeKubernetesApi';
export type { FakeCall, FakeFault } from './FakeKubernetesApi';
export { RealKubernetes, describeRealKubernetes } from './RealKubernetes';
