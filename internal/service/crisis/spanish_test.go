package crisis

import (
	"strings"
	"testing"
)

func TestDetectCrisisSpanish(t *testing.T) {
	tests := []struct {
		category string
		text     string
	}{
		// Suicidal ideation, with and without accents.
		{"ideation", "Ya no quiero vivir"},
		{"ideation", "ya no kiero vivir"},
		{"ideation", "Quiero quitarme la vida"},
		{"ideation", "Anoche pensé en quitarme la vida."},
		{"ideation", "Me quiero matar"},
		{"ideation", "me kiero matar"},
		{"ideation", "Voy a matarme"},
		{"ideation", "A veces quiero morirme"},
		{"ideation", "Quisiera estar muerta"},
		{"ideation", "Ojalá me muera mientras duermo"},
		{"ideation", "Ojala no despierte mañana"},
		{"ideation", "Quiero dormirme y no despertar"},
		{"ideation", "Mi familia estaría mejor sin mí"},
		{"ideation", "No tengo razones para vivir"},
		{"ideation", "No tengo nada por qué vivir"},
		{"ideation", "La vida no tiene sentido"},
		{"ideation", "Perdí las ganas de vivir"},
		{"ideation", "Ya no puedo seguir así"},
		{"ideation", "Estoy cansada de vivir"},
		{"ideation", "Soy una carga para todos"},
		{"ideation", "Pienso en el suicidio todos los días"},
		{"ideation", "Me siento suicida"},
		{"ideation", "Pensé en suicidarme"},
		{"ideation", "Tengo un plan para acabar con mi vida"},
		{"ideation", "Quiero acabar con todo"},
		{"ideation", "No me quiero matar. Pero ya no quiero vivir."},
		{"ideation", "Esto es un adiós."},
		// Self-harm.
		{"self-harm", "Me volví a cortar anoche"},
		{"self-harm", "Quiero cortarme las venas"},
		{"self-harm", "me corte los brazos otra vez"},
		{"self-harm", "Me hago daño cuando estoy sola"},
		{"self-harm", "Me lastimé a propósito"},
		{"self-harm", "Volví al cutting"},
		{"self-harm", "Me quemo con cigarros"},
		{"self-harm", "Me quiero aventar de un puente"},
		{"self-harm", "Pienso en pegarme un tiro"},
		{"self-harm", "Las autolesiones volvieron"},
		// Overdose, and using again to die.
		{"overdose", "Quiero darme una sobredosis"},
		{"overdose", "Voy a meterme una sobredosis a propósito"},
		{"overdose", "Me voy a tomar todas mis pastillas"},
		{"overdose", "me tome todas las pastis de golpe"},
		{"overdose", "Tengo suficiente fentanilo para no despertar"},
		{"overdose", "Voy a recaer y morirme"},
		{"overdose", "Quiero drogarme hasta morir"},
		{"overdose", "Me da igual si me muero"},
		{"overdose", "He estado juntando pastillas"},
		// Spanglish.
		{"spanglish", "Quiero hacer overdose"},
		{"spanglish", "me quiero overdosear... no, overdosearme"},
		{"spanglish", "Quiero hacerme un OD a propósito"},
		{"spanglish", "ya no puedo, quiero kms"},
		{"spanglish", "I'm so tired, ya no quiero vivir"},
		{"spanglish", "Hoy en el meeting dije que I want to die"},
		// Plans, someone else, crisis services.
		{"plans", "Escribí una carta de despedida para mis hijos"},
		{"plans", "Estoy regalando todas mis cosas"},
		{"others", "Mi hermano se quitó la vida hace dos años"},
		{"others", "Mi primo se suicidó"},
		{"services", "Anoche llamé al 988"},
		{"others", "Hablamos de prevención del suicidio en el grupo"}, // bare, as in English
	}
	for _, tt := range tests {
		t.Run(tt.category, func(t *testing.T) { check(t, tt.text, true) })
	}
}

func TestDetectOrdinarySpanish(t *testing.T) {
	tests := []string{
		// Idioms around "morir" and "matar".
		"Me muero de risa con mi sponsor",
		"Me muero de hambre después de la junta",
		"Me muero de ganas de ver a mis hijos",
		"Me mata el tráfico de la mañana",
		"Mi jefe me va a matar si llego tarde",
		"Me quiero morir de la vergüenza, me caí en la calle",
		"Me voy a matar estudiando para el examen",
		"Me voy a morir de hambre si no como algo",
		"Pensé que me iba a morir cuando tuve la sobredosis",
		"Estoy muerta de cansancio",
		"Lo que no te mata te hace más fuerte",
		"Quiero matar el tiempo antes del grupo",
		// Wanting to live, recovery talk.
		"No quiero morir por esta enfermedad",
		"No quiero morirme como mi papá",
		"Quiero morir sobrio, de viejito",
		"No quiero darme una sobredosis nunca más",
		"Mi primo tuvo una sobredosis el año pasado",
		"Aprendimos a usar Narcan en caso de sobredosis",
		"Escribí una carta de despedida al alcohol en el grupo",
		"Hoy recupero mi vida, un día a la vez",
		"Quiero vivir",
		// Living somewhere, cutting hair, kitchen and gym.
		"No quiero vivir en esta ciudad",
		"Ya no quiero vivir con mis papás",
		"Ya no quiero estar aquí en este trabajo",
		"Estoy harto de vivir con mi suegra",
		"Me corté el pelo ayer",
		"Me quiero cortar el cabello",
		"Me corté cocinando",
		"Me corté las uñas",
		"Me lastimé la espalda en el gym",
		"Me hice daño jugando fútbol",
		"Me quemé cocinando la cena",
		"Ojalá no despierte tarde para el grupo",
		"No quiero despertar temprano mañana",
		"Quiero acabar con todo el trabajo antes del viernes",
		"No puedo seguir adelante con el proyecto sin ayuda",
		"Estoy mejor sin mi celular",
		"Me tomo todas mis pastillas cada mañana",
		"Me tomé todas mis pastillas a tiempo esta semana",
		"Fui a un taller de prevención del suicidio",
		"Se mató el tiempo rápido en la reunión",
		"Hoy fue un buen día: fui a una junta, llamé a mi madrina y cociné.",
	}
	for _, text := range tests {
		check(t, text, false)
	}
}

func TestMatchLanguage(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"Ya no quiero vivir", "es"},
		{"ya no kiero vivir", "es"},
		{"I want to die", "en"},
		{"I'm so tired, ya no quiero vivir", "es"},
		{"Hoy dije que I want to die", "en"},
		{"Me muero de risa", ""},
		{"Today was fine", ""},
	}
	for _, tt := range tests {
		got, ok := detector.Match(tt.text)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", tt.text, got, ok, tt.want)
		}
	}
}

func TestDetectDoesNotAllocateOnOrdinarySpanish(t *testing.T) {
	text := ordinarySpanish(10000)
	if allocs := testing.AllocsPerRun(20, func() { detector.Detect(text) }); allocs != 0 {
		t.Errorf("Detect allocated %v times per call on ordinary Spanish", allocs)
	}
}

func TestOrdinarySpanishIsOrdinary(t *testing.T) {
	check(t, ordinarySpanish(10000), false)
}

// ordinarySpanish returns about n characters of everyday recovery journaling
// in Spanish, with many near-misses ("me muero de", "matarme estudiando",
// "me corté el pelo"), accents and the ñ, as ordinaryText does in English.
func ordinarySpanish(n int) string {
	const para = "Hoy fui a la junta de la mañana y compartí sobre el antojo que tuve " +
		"anoche. Me estaba matando por una hora, pero llamé a mi madrina en vez de " +
		"recaer. Me recordó que no quiero morir por esta enfermedad y que puedo ser " +
		"más paciente conmigo. Estoy muerta de cansancio después del trabajo; me voy a " +
		"matar estudiando para el examen, y me muero de ganas de un café. No puedo ir " +
		"al retiro este fin de semana por el recital de mi hija, pero me tomo todas mis " +
		"pastillas cada mañana como debo y sigo yendo a las juntas. Me corté el pelo, " +
		"me reí tanto que me muero de risa, y el tráfico me mata, pero ya no quiero " +
		"vivir con mis papás y eso está bien.\n" +
		"Lista de gratitud: mis hijos, mi sobriedad, noventa días, mi grupo, la gente " +
		"que me enseñó a pedir ayuda, el café y el año que viene.\n\n"
	var sb strings.Builder
	for sb.Len() < n {
		sb.WriteString(para)
	}
	s := sb.String()[:n]
	// Cut on a character boundary.
	for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
		s = s[:len(s)-1]
	}
	return strings.ToValidUTF8(s, "")
}

// BenchmarkDetectSpanish is BenchmarkDetect on ordinary Spanish: the same
// 10,000 bytes of near-misses, so that the two compare per 10,000 characters.
func BenchmarkDetectSpanish(b *testing.B) {
	text := ordinarySpanish(10000)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if detector.Detect(text) {
			b.Fatal("ordinary Spanish flagged")
		}
	}
}
