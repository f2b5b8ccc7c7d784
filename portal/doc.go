// Package portal is Insyn's domain: what an access event is (Event,
// Activity, Purpose, LogRecord: an event or a quarantine reason), who is
// who (PersonalID, which never prints its digits; HSAID), application
// errors (Error: a code and an i18n message id) and the Clock.
//
// Who may do what is decided here, once, for the store's SQL and the pages
// alike:
//
//   - Actor is who acts: a patient (their PersonalID), staff (HSA-id and
//     roles per care provider) or the system (the command line, for a named
//     operator). CanReadPatientEvents and CanReadProviderEvents are the
//     read rules. Actor.For and CanActFor make a guardian act for a child
//     under 13 (a 29 February birth turns 13 on 28 February): Subject() is
//     whose data is read, ID() stays the guardian's; the SQL function
//     insyn_may_act_for (migration 00012) states the same rule.
//   - Grant is a role at a care provider (reviewer, clerk, head of unit with
//     the unit they head, admin); Grant.Validate checks its shape and
//     Actor.CanGrant says who may grant (an admin of the provider, or the
//     system, which is how a provider's first admin is made). Has, HasRole,
//     ProvidersFor and HeadOfUnits are what pages and the store scope by.
//   - Case is one type for every source (flag, watchlist, rule, sample).
//     Transition, Decide, AddNote, Assign, RequestStatement and
//     AnswerStatement enforce new → investigating ⇄ awaiting statement →
//     decided (justified, unjustified, unclear) → closed, for a reviewer of
//     the case's provider only, and keep a timeline. A patient sees status,
//     outcome and the message written for them, never notes or the
//     reviewer's reason. Flag.Validate gives field errors; CanFlag,
//     CanSeeCase and CanWorkCase are the shared rules.
//   - ExtractRequest is a patient's request for their extract:
//     RequestDeadline is one month after receipt (GDPR art. 12(3), as EU
//     periods count); Produce and Deliver enforce registered → produced →
//     delivered for a clerk of the request's provider.
//   - CheckForm.Query types a targeted check (errors per field) and its
//     checkpoints; ControlResult is what a completed control records;
//     CanCheck, CanReadControls and CanHandleRequests guard them.
//   - WatchQuery is the input rule of the watchlist's staff search.
package portal
