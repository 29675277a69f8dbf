/** Environment variable with the repository's schema locations (comma-separated kubeconform templates). */
export const LOCATIONS_VARIABLE = 'VALIDATE_SCHEMA_LOCATIONS';
