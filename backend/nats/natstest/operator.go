package natstest

import (
	"fmt"
	"os"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// OperatorAuth sets up decentralized (operator/JWT) authentication as
// production NATS deployments use it: an operator, a system account, and an
// account (with JetStream unless told otherwise) with one user whose
// credentials it writes to credsPath (the .creds format natscli and nats.go
// read). The returned option configures a server to trust that operator.
func OperatorAuth(credsPath string, jetStream bool) (func(*server.Options), error) {
	operatorKey, err := nkeys.CreateOperator()
	if err != nil {
		return nil, err
	}
	operatorPub, _ := operatorKey.PublicKey()
	operator := jwt.NewOperatorClaims(operatorPub)
	operator.Name = "kvdeck-test"
	if _, err := operator.Encode(operatorKey); err != nil {
		return nil, fmt.Errorf("operator jwt: %w", err)
	}

	resolver := &server.MemAccResolver{}
	newAccount := func(name string, jetStream bool) (nkeys.KeyPair, string, error) {
		key, err := nkeys.CreateAccount()
		if err != nil {
			return nil, "", err
		}
		pub, _ := key.PublicKey()
		claims := jwt.NewAccountClaims(pub)
		claims.Name = name
		if jetStream {
			claims.Limits.JetStreamLimits = jwt.JetStreamLimits{
				MemoryStorage: jwt.NoLimit, DiskStorage: jwt.NoLimit,
				Streams: jwt.NoLimit, Consumer: jwt.NoLimit,
			}
		}
		token, err := claims.Encode(operatorKey)
		if err != nil {
			return nil, "", fmt.Errorf("account %s jwt: %w", name, err)
		}
		if err := resolver.Store(pub, token); err != nil {
			return nil, "", err
		}
		return key, pub, nil
	}
	_, systemPub, err := newAccount("SYS", false)
	if err != nil {
		return nil, err
	}
	accountKey, accountPub, err := newAccount("APP", jetStream)
	if err != nil {
		return nil, err
	}

	userKey, err := nkeys.CreateUser()
	if err != nil {
		return nil, err
	}
	userPub, _ := userKey.PublicKey()
	user := jwt.NewUserClaims(userPub)
	user.Name = "kvdeck"
	user.IssuerAccount = accountPub
	userJWT, err := user.Encode(accountKey)
	if err != nil {
		return nil, fmt.Errorf("user jwt: %w", err)
	}
	seed, err := userKey.Seed()
	if err != nil {
		return nil, err
	}
	creds, err := jwt.FormatUserConfig(userJWT, seed)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(credsPath, creds, 0o600); err != nil {
		return nil, err
	}

	return func(o *server.Options) {
		o.TrustedOperators = []*jwt.OperatorClaims{operator}
		o.AccountResolver = resolver
		o.SystemAccount = systemPub
	}, nil
}
