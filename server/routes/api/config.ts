import type { FastifyPluginAsync } from 'fastify';
import { ConfigResponse } from '../../../shared/api.ts';
import { browserConfig } from '../../config.ts';

const config: FastifyPluginAsync = async (app) => {
  app.get('/config', { schema: { response: { 200: ConfigResponse } } }, async () => browserConfig(app.config));
};

export default config;
