import { InputError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { ActionContext } from '@backstage/plugin-scaffolder-node';

/** A validation issue as the shared rules report it. */
export interface Issue {
  field: string;
  rule: string;
  message: string;
}

/** Throws one InputError that names every field and rule that failed. */
export function throwIfIssues(issues: Issue[]): void {
  if (issues.length === 0) return;
  throw new InputError(
    issues.map(i => `${i.field}: ${i.message} (${i.rule})`).join('; '),
  );
}

/** The owner input as a full group entity ref, or an issue. */
export function parseOwner(
  value: string,
  field = 'owner',
): { ref?: string; issues: Issue[] } {
  if (typeof value !== 'string') {
    return {
      issues: [
        {
          field,
          rule: 'entity-ref',
          message: `must be an entity ref as text, e.g. group:default/team-a, not a ${
            Array.isArray(value) ? 'list' : typeof value
          }`,
        },
      ],
    };
  }
  try {
    const ref = parseEntityRef(value, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
    if (ref.kind.toLocaleLowerCase('en-US') !== 'group') {
      return {
        issues: [
          {
            field,
            rule: 'group',
            message: `must be a group, not a ${ref.kind}`,
          },
        ],
      };
    }
    return { ref: stringifyEntityRef(ref), issues: [] };
  } catch (e) {
    return {
      issues: [
        {
          field,
          rule: 'entity-ref',
          message: `'${value}' is not an entity ref`,
        },
      ],
    };
  }
}

/** Who ordered, which template and task: recorded on every object. */
export function orderProvenance(ctx: ActionContext<any, any>) {
  return {
    requestedBy: ctx.user?.ref,
    templateRef: ctx.templateInfo?.entityRef,
    taskId: ctx.task?.id,
  };
}
