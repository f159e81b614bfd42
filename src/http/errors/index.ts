export {
  FHIR_JSON,
  isOperationOutcome,
  operationOutcome,
  operationOutcomeOf,
  type IssueSeverity,
  type IssueType,
} from './operation-outcome.js';
export { HttpError, isHttpError, type HttpErrorOptions } from './http-error.js';
export {
  createErrorHandler,
  formatPath,
  notFoundHandler,
  sendOperationOutcome,
  toErrorResponse,
  type ErrorHandlerOptions,
  type ErrorResponse,
} from './error-handler.js';
