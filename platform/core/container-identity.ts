import type { k8s } from 'cdk8s-plus-27';

/**
 * HOME, USER and LOGNAME, for a container that runs as a uid its image has no passwd entry for
 * (policy SEC-008, policies/data/image-users.yaml). Python's getpass.getuser(), which torch's and
 * Triton's cache directories call, reads LOGNAME and USER before it asks the passwd file, where
 * it raises KeyError; HOME is where "~" points (a writable emptyDir at /tmp).
 */
export function identityEnv(user: string): k8s.EnvVar[] {
  return [
    { name: 'HOME', value: '/tmp' },
    { name: 'USER', value: user },
    { name: 'LOGNAME', value: user },
  ];
}
