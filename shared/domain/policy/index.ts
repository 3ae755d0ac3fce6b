/** RAM-style access policies: the grammar, the evaluation, and the resource names requests carry. */
export {
  MAX_POLICY_DOCUMENT_LENGTH,
  parsePolicyDocument,
  type Effect,
  type ParsedPolicy,
  type PolicyDocument,
  type PolicyProblem,
  type PolicyStatement,
} from './document.js';
export {
  CONDITION_KEY_NAMES,
  CONDITION_OPERATOR_NAMES,
  type ConditionClause,
  type ConditionKey,
  type ConditionOperator,
  type RequestContext,
} from './conditions.js';
export { evaluateExplicitly, evaluatePolicies, type AccessRequest, type Decision } from './evaluate.js';
export { actionMatches, resourceMatches, wildcardMatch } from './wildcard.js';
export { ANY_RESOURCE, secretContainerResource, secretResource, type ResourceScope } from './resources.js';
