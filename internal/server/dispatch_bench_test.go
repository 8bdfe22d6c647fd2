package server_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/internal/rule"
)

// BenchmarkReminderDispatch measures reminders for a session of a group of 10,000 members,
// one device each: how long the facilitator's ScheduleSession takes (it plans the 10,000
// reminder jobs in its transaction), and how long the workers take from the reminders'
// time until Firebase (the fake FCM server, with the given answer latency) accepted all
// 10,000. Each run is one dispatch; run it with -benchtime=1x:
//
//	go test ./internal/server -run '^$' -bench ReminderDispatch -benchtime=1x
func BenchmarkReminderDispatch(b *testing.B) {
	const members = 10000
	dbs := []string{"sqlite"}
	if postgresURL() != "" {
		dbs = append(dbs, "postgres")
	}
	for _, db := range dbs {
		for _, workers := range []int{20, 100} {
			for _, latency := range []time.Duration{0, 50 * time.Millisecond} {
				name := fmt.Sprintf("%s/workers=%d/fcm=%v", db, workers, latency)
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						url := "sqlite:" + b.TempDir() + "/dispatch.db"
						if db == "postgres" {
							url = postgresDB(b)
						}
						p := newH(b, url, withPush(), startingAt(tuesdayMorning), withSettings(map[string]string{"JOB_WORKERS": strconv.Itoa(workers)}))
						p.FCM.SetLatency(latency)
						g := p.NewGroup()
						seedMembers(b, p.App.Client(), g, members)
						t0 := time.Now()
						schedule(g, sixPM)
						plan := time.Since(t0)
						p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
						t1 := time.Now()
						// This measures the workers on their own, River's scheduler included:
						// the benchmark watches the fake FCM server rather than driving the
						// jobs (RunDue would make each due job available itself).
						for p.FCM.Count() < members {
							if time.Since(t1) > 10*time.Minute {
								b.Fatalf("only %d of %d pushes after 10 minutes", p.FCM.Count(), members)
							}
							time.Sleep(10 * time.Millisecond)
						}
						took := time.Since(t1)
						b.ReportMetric(plan.Seconds(), "s-plan")
						b.ReportMetric(took.Seconds(), "s-dispatch")
						b.ReportMetric(float64(members)/took.Seconds(), "pushes/s")
					}
				})
			}
		}
	}
}

// seedMembers puts n members with one device each into g, straight through ent as the
// system (signing in 10,000 people through the API would measure sign-in instead).
func seedMembers(b *testing.B, c *ent.Client, g *Group, n int) {
	b.Helper()
	ctx := rule.ForOperator(context.Background())
	gid, err := strconv.Atoi(g.ID)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	for i := 0; i < n; i += batch {
		users := make([]*ent.UserCreate, 0, batch)
		for j := i; j < min(n, i+batch); j++ {
			users = append(users, c.User.Create().SetFirebaseUID(fmt.Sprintf("bench-%s-%d", b.Name(), j)))
		}
		us, err := c.User.CreateBulk(users...).Save(ctx)
		if err != nil {
			b.Fatal(err)
		}
		ms := make([]*ent.MembershipCreate, len(us))
		ds := make([]*ent.DeviceCreate, len(us))
		for j, u := range us {
			ms[j] = c.Membership.Create().SetUserID(u.ID).SetGroupID(gid).SetDisplayName(fmt.Sprint("M", i+j)).
				SetRole(membership.RoleMEMBER).SetJoinedAt(time.Now())
			ds[j] = c.Device.Create().SetUserID(u.ID).SetToken(fmt.Sprint("bench-token-", i+j)).
				SetPlatform(device.PlatformANDROID)
		}
		if err := c.Membership.CreateBulk(ms...).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		if err := c.Device.CreateBulk(ds...).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
