package coffer

import "time"

// Role is what an API key may do.
type Role string

const (
	RoleAdmin    Role = "admin"    // everything, including keys and adjustments
	RoleOperator Role = "operator" // money operations and reads
	RoleReader   Role = "reader"   // reads only
)

// ValidRole reports whether r is a role.
func ValidRole(r Role) bool { return r == RoleAdmin || r == RoleOperator || r == RoleReader }

// Allows reports whether a key of role r may act with the needed role.
func (r Role) Allows(need Role) bool {
	rank := map[Role]int{RoleReader: 1, RoleOperator: 2, RoleAdmin: 3}
	return rank[r] >= rank[need] && rank[need] > 0
}

// Key is an API key. Only a hash of its secret is stored; the secret is shown once, at creation.
type Key struct {
	ID        string
	Name      string
	Role      Role
	Hash      string // hex SHA-256 of the secret
	CreatedAt time.Time
	RevokedAt *time.Time
}
