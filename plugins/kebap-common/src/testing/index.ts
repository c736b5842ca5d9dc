export { CrdValidator, describeWithSchemas } from './CrdValidator';
