// The tenant the package's tests share: Aymen (Global Administrator) and User1, eligible for
// Exchange Administrator (8 h, MFA, justification and ticket) and, through the Helpdesk group,
// for Helpdesk Administrator (approval by Aymen).

export const T0 = '2026-03-02T09:00:00Z';
export const EXCHANGE = '29232cdf-9323-42fd-ade2-1d097af3e4de';
export const HELPDESK = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
export const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';

export const tenant = {
  directory: {
    users: [
      { id: 'aymen', displayName: 'Aymen' },
      { id: 'user1', displayName: 'User1' },
    ],
    groups: [{ id: 'helpdesk', displayName: 'Helpdesk', members: ['user1'], isRoleAssignable: true }],
    roleDefinitions: [
      { id: EXCHANGE, displayName: 'Exchange Administrator' },
      { id: HELPDESK, displayName: 'Helpdesk Administrator' },
    ],
    assignments: [
      { type: 'active', principalId: 'aymen', roleDefinitionId: GLOBAL_ADMIN, startDateTime: '2026-01-01T00:00:00Z' },
      { type: 'eligible', principalId: 'user1', roleDefinitionId: EXCHANGE, endDateTime: '2026-04-01T09:00:00Z' },
      { type: 'eligible', principalId: 'helpdesk', roleDefinitionId: HELPDESK },
    ],
  },
  policies: [
    {
      roleDefinitionId: EXCHANGE,
      rules: [
        { id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration: 'PT8H' },
        { id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication', 'Justification', 'Ticketing'] },
      ],
    },
    {
      roleDefinitionId: HELPDESK,
      rules: [
        {
          id: 'Approval_EndUser_Assignment',
          setting: {
            isApprovalRequired: true,
            approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: 'aymen' }] }],
          },
        },
      ],
    },
  ],
};

/** A `selfActivate` command for User1. */
export function activation(role, { duration = 'PT2H', justification = 'fix mail flow', ticket = 'INC-1' } = {}) {
  return {
    op: 'request',
    kind: 'assignment',
    body: {
      action: 'selfActivate',
      principalId: 'user1',
      roleDefinitionId: role,
      directoryScopeId: '/',
      justification,
      ...(ticket ? { ticketInfo: { ticketNumber: ticket, ticketSystem: 'ServiceNow' } } : {}),
      scheduleInfo: { expiration: { type: 'afterDuration', duration } },
    },
  };
}
