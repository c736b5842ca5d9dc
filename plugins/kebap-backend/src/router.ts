import express from 'express';
import Router from 'express-promise-router';
import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { OrderStatusService } from './service/OrderStatusService';

const KIND = /^[a-zA-Z][a-zA-Z0-9]*$/;
const NAME = /^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;

/**
 * `GET /status/:kind/:namespace/:name`: the entity's order status. The
 * entity is read with the caller's credentials, so the catalog's read
 * permission applies: an entity the caller may not read is a 404, exactly
 * like one that does not exist.
 */
export async function createRouter(options: {
  httpAuth: HttpAuthService;
  catalog: CatalogService;
  statusService: OrderStatusService;
}): Promise<express.Router> {
  const { httpAuth, catalog, statusService } = options;
  const router = Router();
  router.use(express.json());

  router.get('/status/:kind/:namespace/:name', async (req, res) => {
    const { kind, namespace, name } = req.params;
    if (!KIND.test(kind))
      throw new InputError(
        `kind: '${kind}' is not an entity kind (letters and digits, starting with a letter)`,
      );
    for (const [field, value] of [
      ['namespace', namespace],
      ['name', name],
    ]) {
      if (!NAME.test(value))
        throw new InputError(
          `${field}: '${value}' is not a valid entity ${field} (1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`,
        );
    }
    const ref = `${kind.toLocaleLowerCase('en-US')}:${namespace}/${name}`;
    const credentials = await httpAuth.credentials(req);
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity) throw new NotFoundError(`No entity ${ref} that you may read`);
    res.json(await statusService.statusOf(entity));
  });

  return router;
}
