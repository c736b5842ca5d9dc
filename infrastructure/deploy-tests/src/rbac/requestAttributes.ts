import yaml from 'yaml';
import { RecordedRequest } from './RecordingProxy';
import { RequestAttributes } from './RbacEvaluator';

/** A request's authorization attributes, plus the object it writes. */
export interface AuthorizedRequest extends RequestAttributes {
  /** the body of an apply, parsed */
  object?: any;
}

const core = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/;
const grouped =
  /^\/apis\/([^/]+)\/[^/]+(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/;

/**
 * The attributes the API server authorizes a request with (its RequestInfo):
 * GET of a collection is `list` (`watch` with `watch=true`), GET of one
 * object `get`, PATCH `patch`, DELETE `delete`, POST `create`, PUT `update`.
 * A server-side apply that creates the object (answer 201) is also
 * authorized as `create`, as the API server does.
 */
export function requestAttributes(r: RecordedRequest): AuthorizedRequest[] {
  let apiGroup: string;
  let namespace: string | undefined;
  let resource: string;
  let name: string | undefined;
  const c = core.exec(r.path);
  const g = grouped.exec(r.path);
  if (c) {
    // `/api/v1/namespaces/<name>` matches as resource `namespaces`, name <name>
    apiGroup = '';
    [, namespace, resource, name] = c;
  } else if (g) {
    [, apiGroup, namespace, resource, name] = g;
  } else {
    throw new Error(`not a resource path: ${r.path}`);
  }
  const decode = (s?: string) => (s ? decodeURIComponent(s) : undefined);
  const base = {
    apiGroup,
    resource,
    namespace: decode(namespace),
    name: decode(name),
  };
  const watch = ['true', '1'].includes(r.query.get('watch') ?? '');
  switch (r.method) {
    case 'GET':
      if (!base.name) return [{ ...base, verb: watch ? 'watch' : 'list' }];
      return [{ ...base, verb: 'get' }];
    case 'PATCH': {
      const object = r.body ? yaml.parse(r.body) : undefined;
      const out: AuthorizedRequest[] = [{ ...base, verb: 'patch', object }];
      if (r.status === 201) out.push({ ...base, verb: 'create', object });
      return out;
    }
    case 'DELETE':
      return [{ ...base, verb: base.name ? 'delete' : 'deletecollection' }];
    case 'POST':
      return [{ ...base, name: undefined, verb: 'create' }];
    case 'PUT':
      return [{ ...base, verb: 'update' }];
    default:
      throw new Error(`unexpected method ${r.method} ${r.path}`);
  }
}
