/** A typed model's JSON (kubernetes-models' toJSON) as cdk8s ApiObject props. */
export function asApiObject(json: Record<string, unknown>) {
  return json as { apiVersion: string; kind: string; [key: string]: unknown };
}
