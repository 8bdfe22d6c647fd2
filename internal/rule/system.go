package rule

import (
	"context"

	"github.com/processgroup/api/ent/privacy"
)

// The server acts as itself, beyond what any viewer may read or change, for a few reasons
// only. Each function below is one of them: it returns a context in which the privacy
// policies let everything through, and says why that is safe. These are the only places in
// the code that lift the policies (TestNoBypassOutsideRule fails on any other), so a reviewer
// reads every exception here, and the callers name their reason.

func system(ctx context.Context) context.Context {
	// SECURITY: the one place where the privacy policies are lifted; see the callers below.
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// ForLiveUpdates is the group's page, live: a subscription learns when a groupmate's consent
// to share ends by its date (a time no change announces), to read what they shared again as
// the subscriber. Only the end times and memberships are read, and never sent.
func ForLiveUpdates(ctx context.Context) context.Context { return system(ctx) }

// ForSignIn is sign-in: the member record of a verified Firebase token is found or created,
// and a change of email, phone or therapist role is written to it, before anyone is the
// viewer.
func ForSignIn(ctx context.Context) context.Context { return system(ctx) }

// ForOperatorSignOut is an operator signing a member out everywhere from the command line
// (`sign-out UID`), typically after disabling or deleting them in the Firebase console: the
// one member record of that uid gets its revoked_before, and nothing is read.
func ForOperatorSignOut(ctx context.Context) context.Context { return system(ctx) }

// ForNotifications is the planning and sending of notifications: other members' sessions,
// memberships, lead times, quiet hours and devices are read to address the fixed, discreet
// texts of internal/notify/push, and delivery records are written. Nothing read this way is
// returned to a viewer.
func ForNotifications(ctx context.Context) context.Context {
	return system(ctx)
}

// ForSchedules is the hourly upkeep of weekly schedules: every group's schedule produces its
// sessions ahead, though no facilitator is signed in.
func ForSchedules(ctx context.Context) context.Context { return system(ctx) }

// ForAudit is the audit trail: events are written by the server only, and the ids a viewer
// asked for and did not get are checked for existence, for the audit only.
func ForAudit(ctx context.Context) context.Context { return system(ctx) }

// ForAccounting is the accounting of reads: the reads the privacy rules already allowed are
// written by the server, with the reader's membership.
func ForAccounting(ctx context.Context) context.Context { return system(ctx) }

// ForOwnRows is the viewer's own rows beyond what the read rules show them: their deleted
// reflections (to recognise a retried create or delete), encouragement they sent on
// reflections they can no longer read (a retried send), what they reported (a retried
// report), their own membership of a group they join again, and everything of theirs when
// they export or delete their account. Every query
// made in this context is limited by its caller to rows of the viewer's own: their user id,
// their memberships, their reflections.
func ForOwnRows(ctx context.Context) context.Context { return system(ctx) }

// ForInviteCode is joining by code: holding a valid code is what authorises the one lookup
// of the invite that has it, which the joiner, not yet in the group, could not read.
func ForInviteCode(ctx context.Context) context.Context { return system(ctx) }

// ForEndingConsent is the end of the consent of a membership that ends (leaving, removal, a
// deleted account): a facilitator's removal ends the removed member's consent. It only ever
// ends consents, never grants one.
func ForEndingConsent(ctx context.Context) context.Context {
	return system(ctx)
}

// ForDemoSeed is the seed of local demo mode: demo users, their group and its first
// reflections, before any of them signs in.
func ForDemoSeed(ctx context.Context) context.Context { return system(ctx) }

// ForOperator is for tests only: their fixtures and their checks below the API (what is
// stored). TestNoBypassOutsideRule fails if code other than tests and internal/dbtest calls
// it.
func ForOperator(ctx context.Context) context.Context { return system(ctx) }
