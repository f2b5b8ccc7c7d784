package extract

import "github.com/insyn/insyn/portal/store"

// otherProvider tells whether an access reached records another care
// provider keeps: the log says so (coherent record keeping), or the
// provider that owns the records is not the one the person acted for.
func otherProvider(ev *store.ExtractEvent) bool {
	return ev.Coherent || (ev.OwnerProviderHSAID != "" && ev.ProviderHSAID != "" && ev.OwnerProviderHSAID != ev.ProviderHSAID)
}

// Basis is what an access rests on, in the words of DESIGN.md section 9:
// an emergency access, coherent record keeping (another care provider's
// records, with the patient's consent), or the person's own care
// provider's records.
type Basis string

const (
	BasisOwn       Basis = "own"
	BasisCoherent  Basis = "coherent"
	BasisEmergency Basis = "emergency"
)

// BasisOf is a row's basis; an emergency access wins.
func BasisOf(r Row) Basis {
	switch {
	case r.Emergency:
		return BasisEmergency
	case r.OtherProvider:
		return BasisCoherent
	}
	return BasisOwn
}
