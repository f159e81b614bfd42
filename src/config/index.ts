export {
  AUTH_MODES,
  ConfigError,
  DEFAULTS,
  LOG_LEVELS,
  loadConfig,
  type AuthMode,
  type Config,
  type LogLevel,
  type TrustedIssuerConfig,
} from './config.js';
