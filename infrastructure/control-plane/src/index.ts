/**
 * The ignition program of the KEBAP control plane, as functions the tests
 * run with Pulumi's mocks (the CLI's entry point is ../index.ts).
 *
 * @packageDocumentation
 */
export { createControlPlane, SECRET_STORE_TOKEN } from './createControlPlane';
export type { ControlPlane } from './createControlPlane';
export { createCluster } from './createCluster';
export type { CreatedCluster } from './createCluster';
export { readControlPlaneConfig } from './readControlPlaneConfig';
export type { ControlPlaneConfig } from './readControlPlaneConfig';
export { findRepoRoot, readGitopsBootstrap } from './gitopsBootstrap';
export type { GitopsBootstrap } from './gitopsBootstrap';
