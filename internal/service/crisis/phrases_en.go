package crisis

// This file is the curated English phrase table. To add a language, copy
// this file to phrases_xx.go, translate the lists (do not translate word by
// word: collect the phrases people really write), and register it the same
// way. See the package documentation for the choices behind these lists.

func init() {
	registerLanguage(english)
}

// wakeUpIdioms follow "hope I don't wake up" and the like in everyday worries
// ("I hope I don't wake up late", "... with a hangover").
const wakeUpIdioms = "{late|early|so|too|hungover|with|at|in the middle|in the night|during|tired|sick|sore|before|after|yet|on|for}"

// wakeUpWishes are the openings of "I hope I don't wake up" statements.
const wakeUpWishes = "{wish|wished|hope|hoping|pray|praying} {i|that i} {don't|won't|wouldn't|didn't|never} wake up"

// dontWantTo opens statements of not wanting to live.
const dontWantTo = "{don't|no longer} want to"

var english = language{
	code: "en",

	// Intensifiers people put inside phrases ("I want to just die").
	fillers: []string{
		"just", "really", "even", "literally", "honestly", "seriously",
		"actually", "truly", "fucking", "fuckin", "fucken", "fking", "fkn",
		"freaking", "freakin", "frickin", "effing", "bloody", "damn",
		"goddamn",
	},

	equivalents: [][]string{
		{"don't", "do not"},
		{"doesn't", "does not"},
		{"didn't", "did not"},
		{"can't", "cannot", "can not"},
		{"couldn't", "could not"},
		{"won't", "will not"},
		{"wouldn't", "would not"},
		{"shouldn't", "should not"},
		{"isn't", "is not"},
		{"wasn't", "was not"},
		{"weren't", "were not"},
		{"aren't", "are not"},
		{"haven't", "have not"},
		{"i'm", "i am"},
		{"i've", "i have"},
		{"anymore", "any more"},
		{"want to", "wanna"},
		{"going to", "gonna"},
		{"myself", "my self"},
		{"selfharm", "self harm"},
		{"goodbye", "good bye"},
		{"od", "o d"},
		{"no one", "noone", "nobody"},
	},

	categories: []category{
		{
			name: "suicide named",
			phrases: []string{
				"suicide", "suicides", "suicidal", "suicidality",
				// Common misspellings.
				"sucide", "suicde", "suiside", "sucidal", "suicidle",
				// Slang used to get past filters.
				"sewerslide", "sewer slide", "unalive", "unalived", "unaliving",
				// "kms" (kill myself) only with a lead-in: alone it is
				// also kilometres.
				"{want to|wanted to|going to|about to|should|might|will|i'll|could|finna|tryna|gotta} kms",
			},
		},
		{
			name: "suicidal ideation",
			phrases: []string{
				"{kill|killing|killed|killin} myself",
				"{end|ending|ended} my {|own} life",
				"{take|taking|took} my own life",
				"{end|ending} it all",
				"{end|ending} it tonight",
				"{want to|wanted to|ready to|going to|plan to|planning to} end everything",
				"{want|wanted|wanting|wants} to die",
				"{want|wanted|wanting} to be dead",
				"ready to die",
				"deserve to die",
				"deserve to be dead",
				"i should die",
				"{wish|wished|hope|hoping|pray|praying} {i|that i} {would die|could die|die|died|was dead|were dead|had died|was never born|were never born|had never been born|didn't exist|wasn't alive|weren't alive|could disappear forever}",
				"{wish|wished} i'd {died|never been born}",
				wakeUpWishes,
				"{go|going|went} to sleep and {never|not} wake up",
				"{fall|falling} asleep and {never|not} wake up",
				"never wake up again",
				"{don't|never|no longer} want to wake up",
				"rather be dead",
				"better off dead",
				"better off without me",
				"better without me",
				"better off if i {was|were} {dead|gone|never born}",
				"better off if i {wasn't|weren't} {here|around|alive}",
				"better off if i {died|disappeared}",
				"better off if i'm {dead|gone}",
				"no reason to {live|keep living|be alive|go on|stay alive}",
				"nothing {|left} to live for",
				"no point {in|to|} {living|being alive|staying alive|existing}",
				"{not|isn't|no longer} worth living",
				"{lost|lose|losing} {the|my|all} will to live",
				"no will to live",
				dontWantTo + " {live|be alive|exist|be here anymore|be here any longer|be around anymore|be around any longer|be on this earth|be in this world|go on living|keep living|stay alive}",
				// Longer than the "don't want to live in/on/with" safe phrases.
				dontWantTo + " live {in this world|in this body|in this pain|in pain|on this earth|on earth|with myself|with this pain|with the pain}",
				"can't go on",
				"can't {go on|keep} living",
				"can't live like this",
				"can't live anymore",
				"can't stay alive",
				"{tired|sick} of {living|being alive|existing}",
				"tired of life",
				"done with {life|living|being alive}",
				"{want|wanted} it all to end",
				"{want|wanted} to stop existing",
				"{want|wanted} to not exist",
				"want to disappear forever",
				"don't deserve to {live|be alive|exist}",
				"this is goodbye",
				"goodbye cruel world",
				"won't be {here|around} {much longer|for long|tomorrow|anymore}",
				"{not|won't} be a burden {anymore|much longer|for long|to anyone}",
				"won't have to {worry about|deal with|put up with} me {anymore|much longer|for long}",
				"{i'm|feel like|i'm such|nothing but} a burden",
				"burden {to|on} {everyone|everybody|my family|the people i love|the world|my kids|my wife|my husband|my partner}",
			},
		},
		{
			name: "self-harm",
			phrases: []string{
				"{hurt|hurting|hurts|harm|harming} myself",
				"{cut|cutting|cuts} myself",
				"{burn|burning|burned|burnt} myself",
				"self {harm|harms|harming|harmed|injury|injure|injuring|injured|mutilation|mutilate|mutilating}",
				"selfharming",
				"selfinjury",
				"{slit|slitting|slash|slashing|cut|cutting} my {wrist|wrists|throat}",
				"{hang|hanging|hanged|hung} myself",
				"{shoot|shooting|shot} myself",
				"{drown|drowning} myself",
				"{poison|poisoning} myself",
				"{suffocate|suffocating} myself",
				"{starve|starving} myself to death",
				"{blow|blowing} my brains out",
				"{put|putting} a gun to my head",
				"gun in my mouth",
				"bullet {in|through} my {head|brain}",
				"{jump|jumping} off {a|the} {bridge|building|roof|overpass}",
				"{jump|jumping|step|stepping|walk|walking|throw myself} in front of {a|the} {train|bus|car|truck}",
				"{walk|walking} into traffic",
				"{drive|driving} into {a tree|a wall|oncoming traffic|traffic}",
				"{drive|driving} off {a|the} {bridge|cliff}",
				"{tie|tied|tying|make|making|made|buy|buying|bought} a noose",
			},
		},
		{
			name: "overdose intent",
			phrases: []string{
				"{overdose|overdosed|overdosing|od|oded|odd|oding} on purpose",
				"{purposely|deliberately|intentionally|purposefully} {overdose|overdosed|overdosing|od|oded}",
				"{overdose|overdosed|od|oded} {deliberately|intentionally|purposely|purposefully}",
				"{want to|wanted to|wanting to|going to|plan to|planning to|planned to|try to|trying to|tried to|ready to|about to|decided to} {overdose|od}",
				"thinking {about|of} {overdosing|oding}",
				"{hope|hoping|wish|pray|praying} {i|that i} {overdose|od}",
				"{take|took|taking|swallow|swallowed|swallowing|down|downed} {all|all of} my pills",
				"{take|took|taking|swallow|swallowed|swallowing} {all|all of} my {pills|meds|medication|medications|medicine|tablets|prescriptions} at {once|the same time}",
				"{take|took|taking|swallow|swallowed|swallowing} {the|a|an} {whole|entire} bottle of {pills|meds|tablets|sleeping pills|painkillers|tylenol|advil|xanax|oxy}",
				"enough {pills|meds|heroin|fentanyl|dope|oxy|xanax|tablets|insulin} to {kill me|die|end it|not wake up|never wake up|overdose|od}",
				"{stockpile|stockpiling|stockpiled|hoard|hoarding|hoarded|saving up|saved up} {pills|my pills|meds|my meds|my medication}",
				"{use|using|drink|drinking|shoot up|shooting up} until i {die|don't wake up|stop breathing|never wake up}",
				"{drink|drinking|drank|use|using|used} myself to death",
				"{don't|wouldn't|didn't} care if i {die|died|live or die|overdose|overdosed|od|wake up|don't wake up|never wake up}",
			},
		},
		{
			name: "plans and preparation",
			phrases: []string{
				"{wrote|written|writing|write|left|leave|leaving} {a|my} {goodbye|farewell} {note|notes|letter|letters} {to|for} {my family|my kids|my children|everyone|everybody|my parents|my wife|my husband|my partner|my mom|my dad|my son|my daughter|my friends}",
				"{giving|gave|give} away {all|all of} my {stuff|things|belongings|possessions}",
				"{putting|put|getting|get} my affairs in order",
				"{have|got|made|making} a plan to {die|end it|end it all}",
			},
		},
		{
			name: "someone else's suicide",
			phrases: []string{
				"{kill|killed|killing|kills} {himself|herself|themselves|themself}",
				"{take|took|taking|takes|taken} {his|her|their} own {life|lives}",
				"{end|ended|ending|ends} {his|her|their} own {life|lives}",
				"{hang|hanged|hung} {himself|herself|themselves|themself}",
			},
		},
		{
			name: "contact with crisis services",
			phrases: []string{
				"{called|calling|texted|texting} {988|the crisis line|a crisis line|the crisis hotline|a crisis hotline|the crisis text line|a crisis text line|crisis text line|the lifeline}",
			},
		},
	},

	safe: []string{
		// Wanting to live, and idioms around "die".
		"{don't|didn't|never|doesn't|no longer|not} want to die",
		"never wanted to die",
		"no one {want|wants} to die",
		"{don't|didn't|never} want to be dead",
		"not ready to die",
		"{don't|didn't|never} deserve to die",
		"{want|wanted|wanting|wants} to die {sober|clean|of old age|an old man|an old woman|old|in recovery}",
		"{want|wanted|wanting} to die {of|from} {embarrassment|laughter|laughing|boredom|cringe}",
		"{hope|hoping} {i|that i} die {sober|clean|of old age|old|in recovery}",
		"{don't|didn't|never} want to {overdose|od}",
		// "don't want to live in this city", "... a lie".
		dontWantTo + " live {in|with|at|near|here|there|alone|by|on|together|somewhere|anywhere|next to|close to|under|a|the|paycheck}",
		"no reason to live {in fear|in shame|in the past}",
		// "I hope I don't wake up late".
		wakeUpWishes + " " + wakeUpIdioms,
		"{don't|never|no longer} want to wake up " + wakeUpIdioms,

		// "kill myself" idioms.
		"{kill|killing|killed} myself laughing",
		"{killing|killed} myself {at work|at the gym|working|to make rent|to keep up|over work|for work|studying}",

		// "cut myself" idioms and kitchen accidents.
		"{cut|cutting} myself {some|a little|a bit of|any} slack",
		"{cut|cutting} myself {a|an|some} {break|piece|slice|bit|wedge|portion|deal}",
		"{cut|cutting} myself {off|out|short|loose|free}",
		"{cut|cutting} myself {shaving|cooking|chopping|slicing|gardening|on glass|on broken glass|on a can|on paper}",
		"{cut|cutting} my {wrist|wrists} on {glass|broken glass|a can}",

		// "burn myself" idioms and accidents.
		"{burn|burned|burnt|burning} myself out",
		"{burn|burned|burnt|burning} myself {cooking|baking|ironing|on the stove|on the oven|on the pan|on a pan|on the iron|on the kettle|on the grill|making dinner|making breakfast|making coffee|making tea|with coffee|with tea|with hot water}",

		// Sports and work injuries.
		"{hurt|hurting} myself {lifting|playing|running|working out|at the gym|at work|exercising|skiing|snowboarding|skating|hiking|falling|tripping|slipping|moving|gardening|shoveling|cycling|biking|surfing|training|in a fall|in an accident|in a car accident}",

		// "shoot myself" idioms; "shoot myself up" is drug use, not self-harm.
		"{shoot|shot|shooting} myself in the foot",
		"{shoot|shot|shooting} myself {an email|a text|a message|a reminder|a note|a dm|up}",

		// Second-person idiom.
		"{would you|told you to|tell you to} jump off a bridge",

		// Prevention and awareness work.
		"suicide {prevention|awareness} {training|trainings|course|class|workshop|seminar|month|week|day|walk|event|program|programme|conference|certification|fundraiser|ribbon|campaign}",
		"suicide squad",

		// "I can't go on the trip", "... on Saturday".
		"can't go on {the|a|an|our|your|his|her|their|vacation|holiday|holidays|trips|tour|stage|air|dates|leave|break|camera|video|social media|facebook|instagram|tiktok|line|online|record|medication|meds|suboxone|methadone|monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekends}",

		// Taking medicine as prescribed.
		"{take|took|taking} {all|all of} my pills {as prescribed|on time|every day|every morning|every night|each day|each morning|with food|with breakfast|like i'm supposed to|like i should|like i was told}",
	},
}
