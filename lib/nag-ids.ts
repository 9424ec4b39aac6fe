/**
 * The ids cdk-nag gives findings about a resource: acknowledging one that
 * names a token-built ARN needs the same flattened text cdk-nag prints.
 */
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The text cdk-nag makes of a CloudFormation value: `Fn::Join` joined,
 * `Ref` as `<Name>`, `Fn::GetAtt` as `<Resource.Attribute>`, anything else as JSON.
 * (cdk-nag's own `flattenCfnReference`, which this package cannot import at run time.)
 */
export function flattenForNag(scope: IConstruct, value: unknown): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
    const object = node as Record<string, unknown>;
    if (Array.isArray(object['Fn::Join'])) {
      const [delimiter, items] = object['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (object['Fn::Sub'] !== undefined) return visit(object['Fn::Sub']);
    if (Array.isArray(object['Fn::GetAtt'])) {
      const [resource, attribute] = object['Fn::GetAtt'] as [unknown, unknown];
      return `<${visit(resource)}.${visit(attribute)}>`;
    }
    if (object['Fn::ImportValue'] !== undefined) return visit(object['Fn::ImportValue']);
    if (object.Ref !== undefined) return `<${visit(object.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}
