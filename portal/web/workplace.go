package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/insyn/insyn/portal"
	"github.com/insyn/insyn/portal/auth"
)

// The caregiver workplace (issue 12, DESIGN.md sections 5 and 6): staff
// sign in through the same OpenID path as patients, with their HSA-id, and
// see the pages of the roles they hold at their care providers. Paths are
// Swedish, as the patient's are: /personal (start), /granskning (the
// reviewer's queue and cases), /chef (the head of unit's statements).
func init() { pageNames = append(pageNames, "staff_home", "staff_norole") }

// localStaff holds the signed-in member of staff as a portal.Actor, with
// the roles read for this very request.
const localStaff = "staff"

// workplaceRoutes registers the staff pages, each behind requireStaff
// (and requireRole where one role is needed).
func (s *Server) workplaceRoutes() {
	s.app.Get("/personal", s.requireStaff, s.handleStaffHome)
	s.reviewRoutes()
}

// staff is the signed-in member of staff as requireStaff loaded them: their
// roles are read from the database on every request, so a revoked role
// takes effect at once. Anyone else is not found: for a patient the staff
// pages do not exist.
func staff(c *fiber.Ctx) (portal.Actor, error) {
	a, ok := c.Locals(localStaff).(portal.Actor)
	if !ok || a.Kind != portal.ActorStaff || a.HSAID == "" {
		return portal.Actor{}, &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "no staff signed in", Err: portal.ErrNotFound}
	}
	return a, nil
}

// requireStaff lets through a session whose subject is a member of staff
// with at least one role, and loads them (see staff). No session: to log in.
// A patient: not found. Staff without any role see the page saying so,
// whatever staff page they asked for, and nothing else.
func (s *Server) requireStaff(c *fiber.Ctx) error {
	sess, ok := session(c)
	if !ok {
		return s.requireSession(c) // sends to log in
	}
	if sess.Subject.Kind != auth.StaffSubject || sess.Subject.HSAID == "" {
		return &portal.Error{Code: portal.NotFound, MsgID: "error.not_found", Detail: "staff page asked by a patient", Err: portal.ErrNotFound}
	}
	a, err := s.cfg.Store.StaffActor(c.UserContext(), sess.Subject.HSAID)
	if err != nil {
		return err
	}
	c.Locals(LocalSubject, sess.Subject)
	c.Locals(localStaff, a)
	if len(a.Grants) == 0 {
		return s.render(c, fiber.StatusForbidden, "staff_norole", "workplace.norole.title", nil)
	}
	return c.Next()
}

// requireRole lets through staff holding role at some care provider; what
// they then see is scoped to those providers by the store. Staff with
// other roles are told the page is not theirs.
func (s *Server) requireRole(role portal.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a, err := staff(c)
		if err != nil {
			return err
		}
		if !a.HasRole(role) {
			return portal.Errorf(portal.Forbidden, "workplace.error.role", "page needs role %s", role).
				With("Role", s.cfg.Texts.For(lang(c)).T("role.name."+string(role)))
		}
		return c.Next()
	}
}

// staffNav is what the staff menu and start page offer: one item per role
// held anywhere.
type staffNav struct {
	Name                               string
	Reviewer, Clerk, HeadOfUnit, Admin bool
}

func navFor(a portal.Actor) *staffNav {
	return &staffNav{Name: a.Name, Reviewer: a.HasRole(portal.RoleReviewer), Clerk: a.HasRole(portal.RoleClerk),
		HeadOfUnit: a.HasRole(portal.RoleHeadOfUnit), Admin: a.HasRole(portal.RoleAdmin)}
}

// staffHome lists the signed-in member of staff's roles in words.
type staffHome struct {
	Roles []staffRoleLine
}

type staffRoleLine struct {
	Role     portal.Role
	Provider string
	Unit     string
}

// handleStaffHome is the staff start page: which roles they hold where,
// and the pages those roles open.
func (s *Server) handleStaffHome(c *fiber.Ctx) error {
	a, err := staff(c)
	if err != nil {
		return err
	}
	names, err := s.cfg.Store.ReferenceNames(c.UserContext(), grantRefs(a.Grants))
	if err != nil {
		return err
	}
	var d staffHome
	for _, g := range a.Grants {
		d.Roles = append(d.Roles, staffRoleLine{Role: g.Role, Provider: nameOr(names, g.Provider), Unit: nameOr(names, g.Unit)})
	}
	return s.render(c, fiber.StatusOK, "staff_home", "workplace.home.title", d)
}

// grantRefs are the providers and units the grants name.
func grantRefs(gs []portal.Grant) []portal.HSAID {
	var out []portal.HSAID
	for _, g := range gs {
		out = append(out, g.Provider)
		if g.Unit != "" {
			out = append(out, g.Unit)
		}
	}
	return out
}

// nameOr is the name of a provider or unit, its HSA-id when Insyn knows no
// name (staff read HSA-ids; patients never do).
func nameOr(names map[portal.HSAID]string, id portal.HSAID) string {
	if n := names[id]; n != "" {
		return n
	}
	return string(id)
}
