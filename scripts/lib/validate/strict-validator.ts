import { LOCATIONS_VARIABLE } from './locations-variable.js';
import { parseLocationList } from './schema-location.js';
import { ResourceValidator } from './validate-resources.js';
import { withVendoredLocation } from './vendored-schemas.js';

/**
 * The validator gates use without flags: schema locations from the environment variable, then
 * the vendored CRD schemas, then the built-in validators; strict, nothing skipped.
 */
export function strictValidator(cacheDir: string): ResourceValidator {
  return new ResourceValidator({
    locations: withVendoredLocation(parseLocationList(process.env[LOCATIONS_VARIABLE])),
    strict: true,
    skip: new Set(),
    reject: new Set(),
    ignoreMissingSchemas: false,
    builtin: true,
    cacheDir,
  });
}
