export {
  ACCEPTED_ALGORITHMS,
  audienceFromPublicBase,
  createCdsJwtAuth,
  getCdsClient,
  type CdsClientIdentity,
  type CdsJwtAuthConfig,
  type TrustedIssuer,
} from './cds-jwt-auth.js';
export { JtiReplayCache } from './replay-cache.js';
