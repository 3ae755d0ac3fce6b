/**
 * RAM evaluation: a request is allowed when some statement allows it and none denies it. An
 * explicit Deny wins over any Allow, in any policy; with no matching statement the answer is no
 * (default deny). A statement matches when one of its actions matches, one of its resources
 * matches, and every condition clause holds.
 */
import { clauseHolds, type RequestContext } from './conditions.js';
import type { PolicyDocument, PolicyStatement } from './document.js';
import { actionMatches, resourceMatches } from './wildcard.js';

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface AccessRequest {
  /** `kms:GetSecretValue`, `rotor:CreateAccessKey`. */
  action: string;
  /** `acs:kms:<region>:<account>:secret/<name>`, the secret container, or `*`. */
  resource: string;
  context: RequestContext;
}

const statementApplies = (statement: PolicyStatement, request: AccessRequest): boolean =>
  statement.actions.some((pattern) => actionMatches(pattern, request.action)) &&
  statement.resources.some((pattern) => resourceMatches(pattern, request.resource)) &&
  statement.conditions.every((clause) => clauseHolds(clause, request.context));

/** Any applying Deny wins; otherwise Allow when an applying statement `grants` the request. */
const decide = (
  policies: readonly PolicyDocument[],
  request: AccessRequest,
  grants: (statement: PolicyStatement) => boolean,
): Decision => {
  let allowed = false;
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (!statementApplies(statement, request)) continue;
      if (statement.effect === 'Deny') return 'ExplicitDeny';
      if (!allowed) allowed = grants(statement);
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
};

export const evaluatePolicies = (policies: readonly PolicyDocument[], request: AccessRequest): Decision =>
  decide(policies, request, () => true);

/**
 * Like evaluatePolicies, but an Allow counts only from a statement that names the action itself,
 * without a wildcard: for actions a broad grant (`kms:*`, `*`) must not carry, such as
 * kms:RotatePrivilegedTarget. A Deny counts from any statement, wildcards included.
 */
export const evaluateExplicitly = (policies: readonly PolicyDocument[], request: AccessRequest): Decision => {
  const action = request.action.toLowerCase();
  const named = (pattern: string) => !/[*?]/.test(pattern) && pattern.toLowerCase() === action;
  return decide(policies, request, (statement) => statement.actions.some(named));
};
