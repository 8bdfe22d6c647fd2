package limits

import (
	"strings"

	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// RulesWithoutSuggestions returns gqlparser's default validation rules with every rule
// that appends "Did you mean ...?" to its message (FieldsOnCorrectType, ScalarLeafs,
// KnownArgumentNames, KnownTypeNames, ValuesOfCorrectType) replaced by gqlparser's
// WithoutSuggestions variant, kept under the original rule name so that gqlerror.Error.Rule
// does not change (the server's error presenter tests Rule == "ValuesOfCorrectType").
// Suggestions tell a client without introspection the names of fields, arguments, types
// and enum values it has not been told about.
//
// Pass the function itself: srv.SetValidationRulesFn(limits.RulesWithoutSuggestions). It
// returns a new set at each call, as gqlgen changes the set it is given. gqlgen's own
// srv.SetDisableSuggestion(true) only covers FieldsOnCorrectType and ScalarLeafs; with or
// without it, this set suggests nothing.
func RulesWithoutSuggestions() *rules.Rules {
	r := rules.NewDefaultRules()
	for name, rule := range map[string]core.Rule{
		rules.FieldsOnCorrectTypeRule.Name: rules.FieldsOnCorrectTypeRuleWithoutSuggestions,
		rules.ScalarLeafsRule.Name:         rules.ScalarLeafsRuleWithoutSuggestions,
		rules.KnownArgumentNamesRule.Name:  rules.KnownArgumentNamesRuleWithoutSuggestions,
		rules.KnownTypeNamesRule.Name:      rules.KnownTypeNamesRuleWithoutSuggestions,
		rules.ValuesOfCorrectTypeRule.Name: rules.ValuesOfCorrectTypeRuleWithoutSuggestions,
	} {
		r.ReplaceRule(name, rule.RuleFunc)
	}
	return r
}

// StripSuggestions removes a trailing "Did you mean ...?" suggestion from a validation
// message, for an error presenter that wants to be sure none gets out (gqlparser always
// appends the suggestion at the end). Other messages come back unchanged.
func StripSuggestions(msg string) string {
	if i := strings.Index(msg, " Did you mean "); i >= 0 && strings.HasSuffix(msg, "?") {
		return msg[:i]
	}
	return msg
}
