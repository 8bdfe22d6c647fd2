// Package validate checks client input with go-playground/validator and turns the first
// failure into a BAD_USER_INPUT error that names the GraphQL field.
package validate

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/go-playground/validator/v10"
	"github.com/go-playground/validator/v10/non-standard/validators"

	"github.com/processgroup/api/internal/notify/schedule"
	"github.com/processgroup/api/internal/platform/apperr"
)

var v = newValidator()

func newValidator() *validator.Validate {
	val := validator.New(validator.WithRequiredStructEnabled())
	// Name fields as the client knows them: their GraphQL (json) names.
	val.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || name == "" {
			return f.Name
		}
		return name
	})
	must(val.RegisterValidation("notblank", validators.NotBlank))
	must(val.RegisterValidation("tz", func(fl validator.FieldLevel) bool {
		name := fl.Field().String()
		if name == "" || name == "Local" {
			return false
		}
		_, err := time.LoadLocation(name)
		return err == nil
	}))
	must(val.RegisterValidation("hhmm", func(fl validator.FieldLevel) bool {
		_, err := schedule.ParseClock(fl.Field().String())
		return err == nil
	}))
	// An omittable text (left out, null or a value: SessionPlanInput) is checked as the text
	// it carries: left out and null are both nil, which omitnil lets through.
	val.RegisterCustomTypeFunc(func(f reflect.Value) any {
		return omittedText(f)
	}, graphql.Omittable[*string]{})
	return val
}

// omittedText is the text an omittable text carries, nil when it is left out or null.
func omittedText(f reflect.Value) *string {
	if !f.CanInterface() {
		return nil
	}
	o, ok := f.Interface().(graphql.Omittable[*string])
	if !ok {
		return nil
	}
	return o.Value()
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// Struct validates s by its `validate` struct tags, and refuses NUL characters in any of
// its text fields (PostgreSQL cannot store them, and no person types them).
func Struct(s any) error {
	if err := convert(v.Struct(s), ""); err != nil {
		return err
	}
	return noNUL(s)
}

func noNUL(s any) error {
	rv := reflect.Indirect(reflect.ValueOf(s))
	if rv.Kind() != reflect.Struct {
		return nil
	}
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f := reflect.Indirect(rv.Field(i))
		if t := omittedText(rv.Field(i)); t != nil {
			f = reflect.ValueOf(*t)
		}
		if f.Kind() == reflect.String && strings.ContainsRune(f.String(), 0) {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			return apperr.Input(name, "must not contain NUL characters")
		}
	}
	return nil
}

// Var validates one value against tag; field is the GraphQL name reported on failure.
func Var(field string, value any, tag string) error {
	return convert(v.Var(value, tag), field)
}

func convert(err error, field string) error {
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) || len(verrs) == 0 {
		var inv *validator.InvalidValidationError
		if errors.As(err, &inv) {
			return nil // not a struct (e.g. a scalar argument): nothing to check
		}
		return err
	}
	fe := verrs[0]
	name := field
	if name == "" {
		name = fe.Field()
	}
	return apperr.Input(name, message(name, fe))
}

// message says in plain words what is wrong, without echoing the value.
func message(name string, fe validator.FieldError) string {
	unit := ""
	switch fe.Kind() {
	case reflect.String:
		unit = " characters"
	case reflect.Slice:
		unit = " values"
	}
	switch fe.Tag() {
	case "required":
		return name + " is required"
	case "max":
		if unit != "" {
			return fmt.Sprintf("%s must be at most %s%s", name, fe.Param(), unit)
		}
		return fmt.Sprintf("%s must be at most %s", name, fe.Param())
	case "min":
		if unit != "" {
			return fmt.Sprintf("%s must be at least %s%s", name, fe.Param(), unit)
		}
		return fmt.Sprintf("%s must be at least %s", name, fe.Param())
	case "notblank":
		return name + " must not be blank"
	case "tz":
		return name + " must be an IANA time zone name, such as America/Chicago"
	case "uuid":
		return name + " must be a UUID"
	case "hhmm":
		return name + ` must be a 24-hour time of day "HH:MM", 00:00 to 23:59`
	case "unique":
		return name + " must not repeat a value"
	case "bcp47_language_tag":
		return name + " must be a BCP 47 language tag, such as en-US"
	}
	return fmt.Sprintf("%s is not valid (%s)", name, fe.Tag())
}
