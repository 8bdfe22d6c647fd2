package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/viewer"
)

// DeviceQueryOwner lets a viewer see their own devices only.
func DeviceQueryOwner() privacy.QueryRule {
	return privacy.DeviceQueryRuleFunc(func(ctx context.Context, q *ent.DeviceQuery) error {
		// SECURITY: a device (and its push token) belongs to its owner alone.
		q.Where(device.UserID(viewer.FromContext(ctx).UserID))
		return privacy.Allow
	})
}

// DeviceOwnerOnly lets a viewer register devices as themselves and change or remove only
// their own. Registering a token another account had moves the device to the viewer (see
// devices.Register): holding the token is holding the phone.
func DeviceOwnerOnly() privacy.MutationRule {
	return privacy.DeviceMutationRuleFunc(func(ctx context.Context, m *ent.DeviceMutation) error {
		v := viewer.FromContext(ctx)
		if m.Op().Is(ent.OpCreate) {
			// SECURITY: devices are registered as oneself.
			if uid, _ := m.UserID(); uid != v.UserID {
				return privacy.Denyf("devices are registered as oneself")
			}
			return privacy.Allow
		}
		// SECURITY: other people's devices are not matched; a registration of a token the
		// viewer presents (they hold the device: see WithTokenProof) may be ended.
		if proof, ok := ctx.Value(tokenProofKey{}).(string); ok && proof != "" && m.Op().Is(ent.OpDelete) {
			m.Where(device.Or(device.UserID(v.UserID), device.Token(proof)))
			return privacy.Allow
		}
		m.Where(device.UserID(v.UserID))
		if uid, ok := m.UserID(); ok && uid != v.UserID {
			return privacy.Denyf("devices are registered as oneself")
		}
		return privacy.Allow
	})
}

type tokenProofKey struct{}

// WithTokenProof returns a copy of ctx in which the viewer has presented an FCM token. The
// token is a secret only the app on that device holds, so presenting it proves holding the
// device: on a shared phone, the registration someone else made of it may then be ended.
func WithTokenProof(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenProofKey{}, token)
}
