# METADATA
# title: Stateful AWS resources in production survive their object's deletion
# description: >-
#   In production environments, ACK objects that hold data (ElastiCache clusters and snapshots,
#   EFS file systems, S3 buckets, RDS instances, DynamoDB tables, SQS queues, Secrets Manager
#   secrets, CloudWatch log groups) carry the annotation services.k8s.aws/deletion-policy: retain.
#   Deleting a Kubernetes object (a mistaken prune, a renamed file) must not delete the cache,
#   the weights or the queue behind it.
# custom:
#   id: AWS-002
#   severity: critical
#   kinds: [ReplicationGroup, CacheCluster, ServerlessCache, Snapshot, FileSystem, Bucket, DBInstance, DBCluster, Table, Queue, Secret, LogGroup]
#   input: object
package aws.retain_stateful

import data.lib.k8s
import data.lib.policy

stateful := {
	"elasticache.services.k8s.aws": {"ReplicationGroup", "CacheCluster", "ServerlessCache", "Snapshot", "ServerlessCacheSnapshot"},
	"efs.services.k8s.aws": {"FileSystem"},
	"s3.services.k8s.aws": {"Bucket"},
	"rds.services.k8s.aws": {"DBInstance", "DBCluster"},
	"dynamodb.services.k8s.aws": {"Table"},
	"sqs.services.k8s.aws": {"Queue"},
	"secretsmanager.services.k8s.aws": {"Secret"},
	"cloudwatchlogs.services.k8s.aws": {"LogGroup"},
}

problems contains {"object": input, "msg": msg} if {
	policy.is_production
	k8s.is_object_input(input)
	input.kind in stateful[k8s.group(input)]
	not k8s.annotations(input)["services.k8s.aws/deletion-policy"] == "retain"
	msg := sprintf("holds data in %s but would be deleted with its object; annotate it services.k8s.aws/deletion-policy: retain", [policy.environment])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
