package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/google/uuid"
)

// op is one row of the table: one of the app's operations, sent as some viewer with some
// variables, and how to check its answers.
type op struct {
	// name is the row's name; gql is the operation's name in schema/app-operations.
	name, gql string
	write     bool
	// ref: the reference implements it.
	ref bool
	// viewers are the people the requests are sent as.
	viewers []*person
	// prepare makes the requests' bodies from the operation's document.
	prepare func(doc string)
	// next is request number i (false: there are no more, as for encouragement, which each
	// sender sends once per reflection).
	next func(i int) (*request, bool)
	// summary of a read's answer, the same for every answer to the same request: the
	// answers of the run are checked against the summary of the verified answer.
	summary func(data map[string]any) (string, error)
	// expect holds the summary of each viewer's verified answer (reads).
	expect []string
	// nonEmpty is what the dataset owes a read: "every" viewer's answer has something in
	// it, "some" viewer's does.
	nonEmpty string
	// check checks a write's answer.
	check func(r *request, data map[string]any) error
	// exhausted: some cell ran out of requests and was left out.
	exhausted bool
}

// request is one request of an op.
type request struct {
	token  string
	body   []byte
	viewer int
	// sent are values a write's answer must show, by path.
	sent map[string]string
}

// maxViewers is how many people each operation is sent as, in turn.
const maxViewers = 64

// pick takes up to maxViewers people matching keep, one per group in turn (a member of
// every group, then another, …), so that they spread over the groups.
func pick(d *dataset, keep func(*person) bool) []*person {
	var out []*person
	for round := 0; len(out) < maxViewers; round++ {
		more := false
		for _, g := range d.groups {
			if round < len(g.members) {
				more = true
				if p := g.members[round]; keep(p) && len(out) < maxViewers {
					out = append(out, p)
				}
			}
		}
		if !more {
			break
		}
	}
	return out
}

// body is a GraphQL request as the app sends it.
func body(doc, name string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"query": doc, "operationName": name, "variables": vars})
	if err != nil {
		panic(err)
	}
	return b
}

// operations are the rows of the table, reads first (so that they read the seeded data,
// untouched by the writes).
func operations(docs map[string]string, d *dataset, only string) ([]*op, error) {
	members := pick(d, func(p *person) bool { return p.current })
	sharers := pick(d, func(p *person) bool { return p.sharing })
	var therapists []*person
	for _, g := range d.groups {
		if len(therapists) < maxViewers {
			therapists = append(therapists, g.therapist)
		}
	}
	inGroup := func(first int) func(p *person) map[string]any {
		return func(p *person) map[string]any {
			vars := map[string]any{"groupID": strconv.Itoa(p.group.id)}
			if first > 0 {
				vars["first"] = first
			}
			return vars
		}
	}
	firstN := func(n int) func(*person) map[string]any {
		return func(*person) map[string]any { return map[string]any{"first": n} }
	}
	digest := read("GroupDigest · therapist", "GroupDigest", therapists, inGroup(0), digestSummary, "every")
	digest.ref = false // the issue accepts "–" for it
	all := []*op{
		read("GroupFeed · member · first 20", "GroupFeed", members, inGroup(20), connectionSummary("node", "reflections"), "every"),
		read("GroupFeed · therapist · first 20", "GroupFeed", therapists, inGroup(20), connectionSummary("node", "reflections"), "every"),
		read("GroupFeed · therapist · first 50", "GroupFeed", therapists, inGroup(50), connectionSummary("node", "reflections"), "every"),
		read("MyReflections · member", "MyReflections", members, firstN(20), connectionSummary("viewer", "reflections"), "some"),
		read("EncouragementReceived · member", "EncouragementReceived", members, firstN(20), connectionSummary("viewer", "encouragementReceived"), "some"),
		read("UpcomingSessions · member", "UpcomingSessions", members, firstN(10), listSummary("viewer", "upcomingSessions"), "every"),
		digest,
		createReflection(sharers),
		sendEncouragement(d.pairs),
	}
	var out []*op
	for _, o := range all {
		if only != "" && !selected(only, o) {
			continue
		}
		doc, ok := docs[o.gql]
		if !ok {
			return nil, fmt.Errorf("no operation %s in the app's operations", o.gql)
		}
		if len(o.viewers) == 0 {
			return nil, fmt.Errorf("%s: the dataset has nobody to send it as", o.name)
		}
		o.prepare(doc)
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-only %q matches no operation", only)
	}
	return out, nil
}

func selected(only string, o *op) bool {
	for _, s := range strings.Split(only, ",") {
		if s = strings.TrimSpace(s); s == o.gql || s == o.name {
			return true
		}
	}
	return false
}

// read is a read op: request i is sent as viewers[i mod len], always with the same body.
func read(name, gql string, viewers []*person, vars func(*person) map[string]any, summary func(map[string]any) (string, error), nonEmpty string) *op {
	o := &op{name: name, gql: gql, ref: true, viewers: viewers, summary: summary, nonEmpty: nonEmpty, expect: make([]string, len(viewers))}
	bodies := make([][]byte, len(viewers))
	o.prepare = func(doc string) {
		for j, p := range viewers {
			bodies[j] = body(doc, gql, vars(p))
		}
	}
	o.next = func(i int) (*request, bool) {
		j := i % len(viewers)
		return &request{token: viewers[j].token, body: bodies[j], viewer: j}, true
	}
	return o
}

// createReflection writes a GROUP reflection as a member who consented to share (a new
// client id each time); a third of them answer a prompt.
func createReflection(sharers []*person) *op {
	o := &op{name: "CreateReflection · member", gql: "CreateReflection", write: true, ref: true, viewers: sharers}
	var doc string
	o.prepare = func(d string) { doc = d }
	o.next = func(i int) (*request, bool) {
		p := sharers[i%len(sharers)]
		id := uuid.New()
		text := fmt.Sprintf("Benchmark entry %s. I went to a meeting after work and it helped more than I expected.", id)
		in := map[string]any{
			"clientID": id.String(), "groupID": strconv.Itoa(p.group.id), "body": text,
			"mood": 1 + i%10, "craving": i % 11, "visibility": "GROUP",
		}
		if i%3 == 0 {
			in["prompt"] = "What helped you most this week?"
		}
		return &request{token: p.token, body: body(doc, o.gql, map[string]any{"input": in}), viewer: i % len(sharers),
			sent: map[string]string{"createReflection.reflection.body": text, "createReflection.reflection.clientID": id.String()}}, true
	}
	o.check = func(r *request, data map[string]any) error {
		if err := checkSent(r, data); err != nil {
			return err
		}
		if s, _ := get(data, "createReflection.reflection.id").(string); s == "" {
			return fmt.Errorf("no reflection id")
		}
		if _, ok := get(data, "createReflection.crisisResources").([]any); !ok {
			return fmt.Errorf("no crisisResources list")
		}
		return nil
	}
	return o
}

// sendEncouragement sends encouragement from a groupmate on a GROUP reflection they have not
// encouraged yet: each pair of the dataset once, the API's and the reference's requests
// taking turns on the same list; half of them with a message.
func sendEncouragement(pairs []pair) *op {
	var senders []*person
	seen := map[*person]bool{}
	for _, p := range pairs {
		if !seen[p.sender] {
			seen[p.sender] = true
			senders = append(senders, p.sender)
		}
	}
	o := &op{name: "SendEncouragement · member", gql: "SendEncouragement", write: true, ref: true, viewers: senders}
	var doc string
	var used atomic.Int64
	o.prepare = func(d string) { doc = d }
	o.next = func(i int) (*request, bool) {
		k := int(used.Add(1) - 1)
		if k >= len(pairs) {
			return nil, false
		}
		pr := pairs[k]
		id := uuid.New()
		in := map[string]any{"clientID": id.String(), "reflectionID": strconv.Itoa(pr.reflectionID), "kind": encouragementKinds[i%len(encouragementKinds)]}
		if i%2 == 0 {
			in["message"] = "Proud of you for sharing this."
		}
		return &request{token: pr.sender.token, body: body(doc, o.gql, map[string]any{"input": in}), viewer: -1,
			sent: map[string]string{"sendEncouragement.clientID": id.String(), "sendEncouragement.reflection.id": strconv.Itoa(pr.reflectionID)}}, true
	}
	o.check = func(r *request, data map[string]any) error {
		if err := checkSent(r, data); err != nil {
			return err
		}
		if get(data, "sendEncouragement.reflection.viewerHasEncouraged") != true {
			return fmt.Errorf("viewerHasEncouraged is not true")
		}
		if n, _ := get(data, "sendEncouragement.reflection.encouragementCount").(float64); n < 1 {
			return fmt.Errorf("encouragementCount %v", n)
		}
		return nil
	}
	return o
}

// checkSent checks that a write's answer shows what was sent.
func checkSent(r *request, data map[string]any) error {
	for path, want := range r.sent {
		if got, _ := get(data, path).(string); got != want {
			return fmt.Errorf("%s is %q, want %q", path, got, want)
		}
	}
	return nil
}

// get walks decoded JSON by a dotted path.
func get(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// connectionSummary summarises the connection at root.field: its total, the edges on the
// page, whether there is a next page (and, for a group, how many members it lists).
func connectionSummary(root, field string) func(map[string]any) (string, error) {
	return func(data map[string]any) (string, error) {
		c, ok := get(data, root+"."+field).(map[string]any)
		if !ok {
			return "", fmt.Errorf("no %s.%s in the answer", root, field)
		}
		total, _ := c["totalCount"].(float64)
		edges, _ := c["edges"].([]any)
		s := fmt.Sprintf("totalCount %d, %d edges, hasNextPage %v", int(total), len(edges), get(c, "pageInfo.hasNextPage"))
		if ms, ok := get(data, root+".memberships").([]any); ok {
			s += fmt.Sprintf(", %d memberships", len(ms))
		}
		return s, nil
	}
}

// listSummary summarises the list at root.field: its length.
func listSummary(root, field string) func(map[string]any) (string, error) {
	return func(data map[string]any) (string, error) {
		l, ok := get(data, root+"."+field).([]any)
		if !ok {
			return "", fmt.Errorf("no %s.%s in the answer", root, field)
		}
		return fmt.Sprintf("%d items", len(l)), nil
	}
}

// digestSummary summarises a digest: members, reflections, those who need attention.
func digestSummary(data map[string]any) (string, error) {
	d, ok := get(data, "node.digest").(map[string]any)
	if !ok {
		return "", fmt.Errorf("no node.digest in the answer")
	}
	ms, _ := d["members"].([]any)
	n, _ := d["reflectionCount"].(float64)
	a, _ := d["attentionCount"].(float64)
	return fmt.Sprintf("%d members, %d reflections, %d need attention", len(ms), int(n), int(a)), nil
}

// empty reports whether a summary describes an answer with nothing in it.
func empty(summary string) bool {
	return strings.HasPrefix(summary, "totalCount 0,") || strings.HasPrefix(summary, "0 items") || strings.HasPrefix(summary, "0 members")
}
