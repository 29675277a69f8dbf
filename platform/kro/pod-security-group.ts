/*
 * PodSecurityGroup: a kro ResourceGraphDefinition that attaches an ACK-managed EC2 security group
 * to pods. A SecurityGroupPolicy (vpcresources.k8s.aws) needs the group's id, which exists only
 * once the ACK ec2 controller has created the group (status.id); ACK references only link ACK
 * objects to each other, and FieldExport only writes ConfigMaps and Secrets. kro reads the
 * SecurityGroup (externalRef: it never changes it), waits until status.id is set, and owns the
 * SecurityGroupPolicy it renders from it. Argo CD or Flux syncs the SecurityGroup and the
 * PodSecurityGroup instance from git; nothing is copied by hand.
 * https://kro.run/docs/concepts/rgd/resource-definitions/external-references
 */

export const KRO_API_VERSION = 'kro.run/v1alpha1';
export const POD_SECURITY_GROUP_KIND = 'PodSecurityGroup';
export const POD_SECURITY_GROUP_GRAPH = 'pod-security-group';

const SECURITY_GROUP_API = { group: 'ec2.services.k8s.aws', version: 'v1alpha1', kind: 'SecurityGroup', resource: 'securitygroups' };
const POLICY_API = { group: 'vpcresources.k8s.aws', version: 'v1beta1', kind: 'SecurityGroupPolicy', resource: 'securitygrouppolicies' };

/** The instance's fields, in kro's SimpleSchema. */
const INSTANCE_SPEC = {
  securityGroup:
    'string | required=true minLength=1 description="Name of the ACK SecurityGroup (ec2.services.k8s.aws) in the same namespace"',
  podSelector: 'map[string]string | required=true description="Labels of the pods that get the security group"',
  additionalGroupIds:
    '[]string | default=[] description="Security group ids the pods also carry (the EKS cluster security group, which CoreDNS and the API server endpoint admit)"',
};

/** The ResourceGraphDefinition's spec: kro generates the PodSecurityGroup CRD from spec.schema. */
export function podSecurityGroupGraphSpec(): Record<string, unknown> {
  return {
    schema: {
      apiVersion: 'v1alpha1',
      kind: POD_SECURITY_GROUP_KIND,
      scope: 'Namespaced',
      spec: INSTANCE_SPEC,
      status: { securityGroupId: '${securityGroup.status.id}' },
    },
    resources: [
      {
        id: 'securityGroup',
        // Read only; the namespace defaults to the instance's.
        externalRef: {
          apiVersion: `${SECURITY_GROUP_API.group}/${SECURITY_GROUP_API.version}`,
          kind: SECURITY_GROUP_API.kind,
          metadata: { name: '${schema.spec.securityGroup}' },
        },
      },
      {
        id: 'policy',
        template: {
          apiVersion: `${POLICY_API.group}/${POLICY_API.version}`,
          kind: POLICY_API.kind,
          metadata: { name: '${schema.metadata.name}', namespace: '${schema.metadata.namespace}' },
          spec: {
            podSelector: { matchLabels: '${schema.spec.podSelector}' },
            // Not applied until the ACK controller has written the group's id.
            securityGroups: { groupIds: '${[securityGroup.status.id] + schema.spec.additionalGroupIds}' },
          },
        },
      },
    ],
  };
}

/**
 * What kro's controller needs for this graph, aggregated into its ClusterRole (rbac.mode
 * aggregation: kro has no other access to the cluster's objects): manage the instances and their
 * status (and finalizers, for owner references on clusters that enforce them), read security
 * groups, own SecurityGroupPolicies.
 */
export function podSecurityGroupControllerRules(): Array<Record<string, unknown>> {
  return [
    {
      apiGroups: ['kro.run'],
      resources: ['podsecuritygroups', 'podsecuritygroups/status', 'podsecuritygroups/finalizers'],
      verbs: ['get', 'list', 'watch', 'update', 'patch'],
    },
    { apiGroups: [SECURITY_GROUP_API.group], resources: [SECURITY_GROUP_API.resource], verbs: ['get', 'list', 'watch'] },
    {
      apiGroups: [POLICY_API.group],
      resources: [POLICY_API.resource],
      verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
    },
  ];
}
