import Type from 'typebox';
import { ErrorBody, Template, TemplateCreate, TemplateIdParams, TemplateList, TemplatePatch, TemplateRenderRequest, TemplateRenderResult } from '../../contracts/index.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody };
const tags = ['templates'];

/** Message templates: /api/v1/templates/... */
export function templatesPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { templates } = services.delivery;

    app.get('/templates', { schema: { tags, summary: 'List templates by name', response: { 200: TemplateList, ...errors } } }, async () => ({
      templates: await templates.list(),
    }));

    app.post(
      '/templates',
      {
        schema: {
          tags,
          summary: 'Create a template; refused when a text does not parse or names a variable no profile can supply without a default',
          body: TemplateCreate,
          response: { 201: Template, ...errors },
        },
      },
      async (request, reply) => reply.code(201).send(await templates.create(request.body)),
    );

    app.get(
      '/templates/:id',
      { schema: { tags, summary: 'A template by id or name', params: TemplateIdParams, response: { 200: Template, ...errors } } },
      async (request) => templates.get(request.params.id),
    );

    app.patch(
      '/templates/:id',
      {
        schema: { tags, summary: 'Change a template (checked as on creation); sends from then on use the new version', params: TemplateIdParams, body: TemplatePatch, response: { 200: Template, ...errors } },
      },
      async (request) => templates.update(request.params.id, request.body),
    );

    app.delete(
      '/templates/:id',
      { schema: { tags, summary: 'Delete a template; later sends naming it fail with the reason', params: TemplateIdParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await templates.remove(request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/templates/:id/render',
      {
        schema: {
          tags,
          summary: 'Preview what a send would carry for a stored profile (profileId) or given traits (profile), in their locale',
          params: TemplateIdParams,
          body: TemplateRenderRequest,
          response: { 200: TemplateRenderResult, ...errors },
        },
      },
      async (request) => templates.preview(request.params.id, request.body),
    );
  };
}
