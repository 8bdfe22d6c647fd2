// Package crisis spots crisis language (suicidal thoughts, self-harm,
// intent to overdose and similar) in the short journal entries that group
// members write, and lists the crisis lines to show the writer.
//
// It is a phrase matcher, not a clinical assessment. It finds the curated
// phrases listed in the phrases_*.go files and nothing else: new slang,
// deliberate misspellings and hints that never name the act will be missed.
// It is a safety net next to the therapists' own reading, not a replacement.
//
// The text is health data. Nothing in this package logs, stores or sends it.
//
// # How text is compared
//
// Text and phrases go through the same steps, so a phrase matches no matter
// how it was typed:
//
//   - Upper and lower case are the same.
//   - Apostrophes, straight or curly (’ ‘ ʼ), are dropped, so "don't",
//     "don’t" and "dont" are one word. "do not" is also treated as "dont",
//     "cannot" and "can not" as "cant", "wanna" as "want to", "gonna" as
//     "going to", "anymore" as "any more", "my self" as "myself",
//     "selfharm" as "self harm", and so on (see the equivalents in each
//     phrase table).
//   - Everything that is not a letter or a digit (spaces, line breaks,
//     commas, dots, hyphens, emoji) only separates words. "kill\nmyself",
//     "kill... myself" and "kill-myself" all match "kill myself".
//   - Words match whole: "skill myself" does not match "kill myself", and
//     "overdosed" is a different word from "overdose". Each word form a
//     phrase should catch is listed on purpose.
//   - A few filler words ("just", "really", "even", "literally", swear words
//     used as intensifiers, ...) are skipped, so "I want to just die" and
//     "kill my fucking self" still match.
//   - Invisible format characters (zero-width spaces, soft hyphens) are
//     dropped and full-width letters are read as normal letters.
//
// # Trigger phrases and safe phrases
//
// Each language has trigger phrases, grouped in categories, and safe
// phrases. A safe phrase is a longer, harmless wording that contains a
// trigger, such as "cut myself some slack" around "cut myself". A trigger
// found inside a safe phrase is ignored. A safe phrase only counts inside one
// sentence: "I can't go on. The trip..." is flagged while "I can't go on the
// trip" is not. Triggers, on the other hand, match across punctuation and
// line breaks. A longer trigger can escape a shorter safe phrase: "don't want
// to live in this world" is flagged although "don't want to live in" is safe.
//
// # Choices about false positives
//
// A missed crisis costs more than a needless flag, so an ambiguous
// first-person statement is flagged. Clear idioms are not. In detail:
//
//   - Flagged: any mention of "suicide" or "suicidal", including someone
//     else's death ("my brother died by suicide"). Losing someone to
//     suicide raises the writer's own risk. Talk about prevention work is
//     the exception: "suicide prevention training", "suicide awareness
//     month" and similar are not flagged, but a bare "we talked about
//     suicide prevention" is.
//   - Flagged: denials such as "I'm not suicidal" or "I would never kill
//     myself". The writer brought the subject up, and such denials are
//     unreliable.
//   - Not flagged: "I don't want to die" (also "didn't", "never", "nobody
//     wants to die") and "I want to die sober". Both are common in recovery
//     talk about overdose deaths. "I want to die" in another sentence of the
//     same text is still flagged.
//   - Flagged: "I don't want to live like this" and "I can't go on like
//     this". They are often said as motivation, but also in crisis. "I don't
//     want to live in this city" and "I can't go on the trip" are not.
//   - Not flagged: hyperbole about cravings and work ("this craving is
//     killing me", "I killed it at work", "dead tired", "I'd die for a
//     coffee", "I'd kill for a smoke"), "I can't do this anymore" and "I
//     can't take it anymore". These are everyday complaints that name neither
//     death nor harm.
//   - Not flagged: the bare words "overdose" and "overdosed" ("my cousin
//     overdosed last year", "Narcan reverses an overdose"). Intent is
//     flagged: "overdose on purpose", "want to OD", "take all my pills".
//   - Flagged: "take all my pills", unless it is clearly about taking
//     medicine as prescribed ("every morning", "on time", "with food").
//     Other medicine words only count with "at once".
//   - Not flagged: "goodbye letter" alone; writing a goodbye letter to
//     alcohol or drugs is a common therapy exercise. A goodbye note or letter
//     to the family, or a "suicide note", is flagged.
//   - Not flagged: idioms that contain a trigger, for example "cut myself
//     some slack", "cut myself off", "burn myself out", "shot myself in the
//     foot", "killed myself laughing", "hurt myself lifting", "I hope I
//     don't wake up late".
//   - Not a trigger: "take my life" without "own", because "take my life
//     back" is everyday recovery talk. "Take my own life" is flagged.
package crisis
