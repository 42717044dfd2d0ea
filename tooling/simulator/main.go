// Command simulator serves the Databricks CLI's own workspace simulator (github.com/databricks/cli/libs/testserver,
// from the CLI module this repository pins) on 127.0.0.1, for this repository's tests and scripts.
//
//	simulator [--listen 127.0.0.1:0]   serve until stdin closes or SIGTERM/SIGINT arrives
//	simulator --version                print the embedded CLI module version and this source's hash, as JSON
//
// On start it prints one JSON line on stdout: {"url": ..., "ca_file": ..., "pid": ...}. Everything it writes lives
// in one temporary directory, removed on exit. What this program adds to the simulator (and why) is:
//
//   - an HTTPS proxy: a CONNECT tunnel to any host is terminated here with a certificate for that host, signed by a
//     CA made at start (its PEM is ca_file), and the simulator answers inside the tunnel. Bundle targets with a
//     real-looking workspace.host are thereby served locally; nothing leaves 127.0.0.1.
//   - a record of every request (GET /__simulator/requests) and of every error the simulator reports through its
//     testing interface, such as "No handler for URL" (GET /__simulator/errors), so tests can assert on both.
//   - GET /__simulator/inventory: the keys of every collection of the caller's simulated workspace (the caller's
//     token selects it) and every workspace path, so a test can prove that nothing is left behind.
//   - token endpoints whose access token is the client id (Databricks OAuth M2M on /oidc/v1/token, Microsoft Entra
//     ID client secrets on login.microsoftonline.com). The simulator answers M2M with one canned token (every
//     client would share one workspace, as the test user) and has no Entra ID at all; with ours a CI credential
//     picks its identity and isolated workspace the way DATABRICKS_TOKEN does (prefix dbapi0: the test user,
//     dbapi1: a service principal).
//   - stand-ins for the OIDC token issuers of CI platforms, and the Databricks token exchange that consumes their
//     tokens (workload identity federation, RFC 8693): GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL
//     (GET /__oidc/github/token), Azure DevOps' pipeline oidctoken endpoint under SYSTEM_TEAMFOUNDATIONCOLLECTIONURI
//     (POST /__oidc/ado/...), and GET /__oidc/gitlab/token for a test to fill GitLab's id_tokens with. Each issued
//     token is an unsigned JWT that only this process accepts; POST /oidc/v1/token with the token-exchange grant
//     accepts it once issued here, and answers with the client id as the access token, as M2M does. Every issue
//     and exchange (issuer, audience, client id, host) is listed by GET /__simulator/oidc. The simulator itself
//     has no token federation, and the real issuers cannot be reached from here.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/databricks/cli/libs/testserver"
	"github.com/databricks/databricks-sdk-go/service/workspace"
)

const cliModule = "github.com/databricks/cli"

// sourceHash is stamped by the build (tooling/install_tools.py): the hash of this file, so a stale binary is noticed.
var sourceHash = "unknown"

// entraHosts are the Microsoft Entra ID endpoints the Go SDK requests tokens from (one per Azure cloud).
var entraHosts = map[string]bool{
	"login.microsoftonline.com": true,
	"login.chinacloudapi.cn":    true,
	"login.microsoftonline.us":  true,
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to serve on")
	version := flag.Bool("version", false, "print the embedded CLI module version and exit")
	flag.Parse()
	if *version {
		printVersion()
		return
	}
	if err := run(*listen); err != nil {
		fmt.Fprintf(os.Stderr, "simulator: %v\n", err)
		os.Exit(2)
	}
}

func printVersion() {
	out := map[string]string{"cli_module": "(not found)", "go": runtime.Version(), "source": sourceHash}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == cliModule {
				out["cli_module"] = dep.Version
			}
		}
	}
	data, _ := json.Marshal(out)
	fmt.Println(string(data))
}

func run(listen string) error {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--listen %q: only a loopback IP address is allowed", listen)
	}
	listener, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", listen, err)
	}

	dir, err := os.MkdirTemp("", "workspace-simulator-")
	if err != nil {
		listener.Close()
		return fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	// Whatever the simulator writes (task scratch folders, TempDir) goes into our directory.
	os.Setenv("TMPDIR", dir)
	// The simulator runs notebook, wheel and Python tasks with `uv` (new virtualenvs, possibly a Python download).
	// Our projects' notebooks need a Databricks runtime, and a download would leave 127.0.0.1: keep uv out of
	// reach. Each task's run output then records why it did not execute; the run's state is the simulator's own.
	os.Setenv("PATH", "")

	t := newRecorder(dir)
	defer t.cleanup()
	sim, err := newSimulator(t)
	if err != nil {
		listener.Close()
		return err
	}
	ca, err := newAuthority(dir)
	if err != nil {
		listener.Close()
		return err
	}
	front := &front{sim: sim, inner: sim.Server.Config.Handler, ca: ca, t: t, tunnels: map[net.Conn]bool{}}
	// The simulator's own address (which it names in some answers, e.g. OIDC endpoints) gets the same front.
	sim.Server.Config.Handler = front
	server := &http.Server{Handler: front, ReadHeaderTimeout: 30 * time.Second, ErrorLog: t.logger()}
	go func() {
		if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()

	address := "http://" + listener.Addr().String()
	announce, _ := json.Marshal(map[string]any{"url": address, "ca_file": ca.file, "pid": os.Getpid()})
	fmt.Println(string(announce))

	waitForShutdown(signals)
	front.closeTunnels()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	server.Shutdown(ctx)
	return nil
}

// newSimulator builds the CLI's simulator, turning its panic when it cannot listen into an error.
func newSimulator(t *recorder) (sim *testserver.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot start the workspace simulator: %v", r)
		}
	}()
	sim = testserver.New(t)
	sim.Handle("GET", "/__simulator/inventory", inventory)
	testserver.AddDefaultHandlers(sim)
	return sim, nil
}

// waitForShutdown returns when stdin reaches EOF (the parent closed it or died) or on SIGTERM/SIGINT.
func waitForShutdown(signals <-chan os.Signal) {
	done := make(chan struct{}, 1)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	select {
	case <-done:
	case <-signals:
	}
}

// ---- the simulator's testing interface ------------------------------------------------------------------------

// recorder implements the methods of the CLI's internal testutil.TestingT that testserver.New needs. Errors are
// kept for GET /__simulator/errors; log lines go to stderr.
type recorder struct {
	mu       sync.Mutex
	errors   []string
	cleanups []func()
	dir      string
	ctx      context.Context
	cancel   context.CancelFunc
}

func newRecorder(dir string) *recorder {
	ctx, cancel := context.WithCancel(context.Background())
	return &recorder{dir: dir, ctx: ctx, cancel: cancel}
}

func (r *recorder) Log(args ...any)                 { r.log(fmt.Sprint(args...)) }
func (r *recorder) Logf(format string, args ...any) { r.log(fmt.Sprintf(format, args...)) }
func (r *recorder) Error(args ...any)               { r.fail(fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.fail(fmt.Sprintf(format, args...))
}

// Fatal and FailNow end the current request, as they would end a test's goroutine.
func (r *recorder) Fatal(args ...any) { r.fail(fmt.Sprint(args...)); panic(http.ErrAbortHandler) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.fail(fmt.Sprintf(format, args...))
	panic(http.ErrAbortHandler)
}
func (r *recorder) FailNow()         { r.fail("FailNow called"); panic(http.ErrAbortHandler) }
func (r *recorder) Skip(args ...any) { r.fail("Skip called: " + fmt.Sprint(args...)) }
func (r *recorder) Skipf(f string, args ...any) {
	r.fail("Skip called: " + fmt.Sprintf(f, args...))
}
func (r *recorder) Helper()                  {}
func (r *recorder) Context() context.Context { return r.ctx }
func (r *recorder) Setenv(key, value string) { os.Setenv(key, value) }

func (r *recorder) TempDir() string {
	dir, err := os.MkdirTemp(r.dir, "t-")
	if err != nil {
		r.fail(fmt.Sprintf("TempDir: %v", err))
	}
	return dir
}

func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

func (r *recorder) cleanup() {
	r.cancel()
	r.mu.Lock()
	fs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

func (r *recorder) log(line string) { fmt.Fprintln(os.Stderr, line) }

func (r *recorder) fail(message string) {
	r.mu.Lock()
	r.errors = append(r.errors, message)
	r.mu.Unlock()
	fmt.Fprintln(os.Stderr, "ERROR:", message)
}

func (r *recorder) errorList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.errors...)
}

func (r *recorder) logger() *log.Logger { return log.New(&logWriter{r}, "", 0) }

type logWriter struct{ r *recorder }

func (w *logWriter) Write(p []byte) (int, error) {
	w.r.log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// ---- the front: request log, our endpoints, HTTPS tunnels ---------------------------------------------------------

type loggedRequest struct {
	Method string `json:"method"`
	Host   string `json:"host"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	Token  string `json:"token"`
}

type front struct {
	sim   *testserver.Server
	inner http.Handler
	ca    *authority
	t     *recorder
	oidc  oidcIssuers

	mu       sync.Mutex
	requests []loggedRequest
	tunnels  map[net.Conn]bool
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.serve(w, r, "")
}

// serve handles one request; tunnelHost is the CONNECT target when the request arrived through a tunnel.
func (f *front) serve(w http.ResponseWriter, r *http.Request, tunnelHost string) {
	switch {
	case r.Method == http.MethodConnect:
		f.record(r, tunnelHost, http.StatusOK)
		f.tunnel(w, r)
		return
	case r.URL.Path == "/__simulator/requests" && r.Method == http.MethodGet:
		f.mu.Lock()
		body := map[string]any{"requests": append([]loggedRequest{}, f.requests...)}
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, body)
		return
	case r.URL.Path == "/__simulator/errors" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"errors": f.t.errorList()})
		return
	case r.URL.Path == "/__simulator/oidc" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"events": f.oidc.events()})
		return
	case strings.HasPrefix(r.URL.Path, "/__oidc/"):
		f.oidc.issue(w, r)
		return
	}
	status := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	if !strings.HasPrefix(r.URL.Path, "/__") {
		defer func() { f.record(r, tunnelHost, status.status) }()
	}
	if entraHosts[tunnelHost] {
		entraToken(status, r)
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/oidc/v1/token" && f.workspaceToken(status, r, tunnelHost) {
		return
	}
	f.inner.ServeHTTP(status, r)
}

func (f *front) record(r *http.Request, tunnelHost string, status int) {
	host := r.Host
	if tunnelHost != "" {
		host = tunnelHost
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == r.Header.Get("Authorization") {
		token = ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, loggedRequest{r.Method, host, r.URL.Path, status, token})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// tunnel answers CONNECT host:port, terminates TLS with a certificate for host and serves the front inside.
func (f *front) tunnel(w http.ResponseWriter, r *http.Request) {
	host := r.URL.Hostname()
	cert, err := f.ca.certificateFor(host)
	if err != nil {
		f.t.Errorf("certificate for %s: %v", host, err)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hijacker, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot tunnel on this connection", http.StatusInternalServerError)
		return
	}
	conn, buffered, err := hijacker.Hijack()
	if err != nil {
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		conn.Close()
		return
	}
	raw := &bufferedConn{Conn: conn, reader: buffered.Reader}
	secure := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	f.mu.Lock()
	f.tunnels[secure] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.tunnels, secure)
		f.mu.Unlock()
	}()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.serve(w, r, host) })
	inner := &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second, ErrorLog: f.t.logger()}
	inner.Serve(newOneConnListener(secure))
}

func (f *front) closeTunnels() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for conn := range f.tunnels {
		conn.Close()
	}
}

type bufferedConn struct {
	net.Conn
	reader *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.reader.Read(p) }

// oneConnListener hands out one connection, then blocks until that connection is closed.
type oneConnListener struct {
	conn   net.Conn
	once   sync.Once
	given  bool
	closed chan struct{}
}

func newOneConnListener(conn net.Conn) *oneConnListener {
	l := &oneConnListener{closed: make(chan struct{})}
	l.conn = &notifyingConn{Conn: conn, closed: l.closed, once: &l.once}
	return l
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	if !l.given {
		l.given = true
		return l.conn, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error   { return nil }
func (l *oneConnListener) Addr() net.Addr { return l.conn.LocalAddr() }

type notifyingConn struct {
	net.Conn
	closed chan struct{}
	once   *sync.Once
}

func (c *notifyingConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { close(c.closed) })
	return err
}

// ---- token endpoints ---------------------------------------------------------------------------------------------

// clientID returns the OAuth client id of a token request (HTTP basic auth or form field).
func clientID(r *http.Request) string {
	if id, _, ok := r.BasicAuth(); ok {
		return id
	}
	return r.PostForm.Get("client_id")
}

func tokenResponse(w http.ResponseWriter, accessToken string) {
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": accessToken,
		"token_type":   "Bearer",
		"expires_in":   3600,
		"scope":        "all-apis",
	})
}

// tokenExchangeGrant is the RFC 8693 grant the Go SDK's OIDC credentials send (config/experimental/auth/oidc).
const tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"

// workspaceToken answers a workspace's /oidc/v1/token for a Databricks OAuth M2M request (client_credentials) and for
// an OIDC token exchange, both with the client id as the access token. Other grants (U2M) are left to the
// simulator: returns false.
func (f *front) workspaceToken(w http.ResponseWriter, r *http.Request, host string) bool {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false
	}
	// Parse a copy: the simulator reads the original body if the request is not ours.
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return false
	}
	grant := form.Get("grant_type")
	if grant != "client_credentials" && grant != tokenExchangeGrant {
		return false
	}
	r.PostForm = form
	id := clientID(r)
	if id == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return true
	}
	if grant == tokenExchangeGrant {
		if host == "" {
			host = r.Host
		}
		if err := f.oidc.exchange(form, id, host); err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_grant", "error_description": err.Error()})
			return true
		}
	}
	tokenResponse(w, id)
	return true
}

// ---- CI OIDC issuers and the token exchange -----------------------------------------------------------------

// oidcEvent is one token issued by a stand-in CI issuer, or one exchanged for a Databricks token.
type oidcEvent struct {
	Event    string `json:"event"` // "issued" or "exchanged"
	Issuer   string `json:"issuer"`
	Audience string `json:"audience"`
	ClientID string `json:"client_id"` // exchanges only
	Host     string `json:"host"`      // exchanges only: the host whose /oidc/v1/token was called
}

type oidcIssuers struct {
	mu     sync.Mutex
	issued map[string]oidcEvent // token -> its claims
	log    []oidcEvent
}

// The issuers a CI platform's tokens name (simulated: the organisation's id is made up).
const (
	githubIssuer = "https://token.actions.githubusercontent.com"
	adoIssuer    = "https://vstoken.dev.azure.com/00000000-0000-0000-0000-000000000000"
	gitlabIssuer = "https://gitlab.com"
	// Azure DevOps pipeline tokens always carry this audience, whatever the caller asks for.
	adoAudience = "api://AzureADTokenExchange"
)

// issue answers the stand-in issuers. Every request must carry a bearer token (the job's request token on GitHub,
// System.AccessToken on Azure DevOps), as the real ones require.
func (o *oidcIssuers) issue(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || len(r.Header.Get("Authorization")) <= len("Bearer ") {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "no request token"})
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/__oidc/github/token":
		audience := r.URL.Query().Get("audience")
		writeJSON(w, http.StatusOK, map[string]string{"value": o.mint(githubIssuer, audience)})
	// {collection}/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken, the collection being
	// /__oidc/ado (SYSTEM_TEAMFOUNDATIONCOLLECTIONURI).
	case r.Method == http.MethodPost && len(parts) == 12 && parts[1] == "ado" && parts[3] == "_apis" &&
		parts[4] == "distributedtask" && parts[5] == "hubs" && parts[7] == "plans" && parts[9] == "jobs" &&
		parts[11] == "oidctoken":
		writeJSON(w, http.StatusOK, map[string]string{"oidcToken": o.mint(adoIssuer, adoAudience)})
	case r.Method == http.MethodGet && r.URL.Path == "/__oidc/gitlab/token":
		writeJSON(w, http.StatusOK, map[string]string{"value": o.mint(gitlabIssuer, r.URL.Query().Get("aud"))})
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "no OIDC issuer at " + r.URL.Path})
	}
}

// mint returns a new unsigned JWT with the issuer, audience and a unique id, and remembers it.
func (o *oidcIssuers) mint(issuer, audience string) string {
	encode := func(v any) string {
		data, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(data)
	}
	claims := map[string]any{"iss": issuer, "aud": audience, "sub": "simulated-ci-job", "jti": serial().String()}
	token := encode(map[string]string{"alg": "none", "typ": "JWT"}) + "." + encode(claims) + "."
	event := oidcEvent{Event: "issued", Issuer: issuer, Audience: audience}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.issued == nil {
		o.issued = map[string]oidcEvent{}
	}
	o.issued[token] = event
	o.log = append(o.log, event)
	return token
}

// exchange accepts a token-exchange request whose subject token was issued here.
func (o *oidcIssuers) exchange(form url.Values, clientID, host string) error {
	if form.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:jwt" {
		return fmt.Errorf("subject_token_type %q is not a JWT", form.Get("subject_token_type"))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	claims, ok := o.issued[form.Get("subject_token")]
	if !ok {
		return errors.New("the subject token was not issued by a simulated CI issuer")
	}
	o.log = append(o.log, oidcEvent{Event: "exchanged", Issuer: claims.Issuer, Audience: claims.Audience, ClientID: clientID, Host: host})
	return nil
}

func (o *oidcIssuers) events() []oidcEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]oidcEvent{}, o.log...)
}

// entraToken answers POST /<tenant>/oauth2/token (and /oauth2/v2.0/token), the client-secret flow of the Go SDK's
// azure-client-secret credentials (config/auth_azure_client_secret.go), with the client id as the access token.
func entraToken(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodPost || len(parts) < 3 || parts[1] != "oauth2" || parts[len(parts)-1] != "token" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": r.URL.Path})
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	secret := r.PostForm.Get("client_secret")
	if _, s, ok := r.BasicAuth(); ok {
		secret = s
	}
	id := clientID(r)
	if id == "" || secret == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	tokenResponse(w, id)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

// ---- inventory ---------------------------------------------------------------------------------------------------

// inventory lists, for the caller's workspace, the keys of every exported map of the simulator's FakeWorkspace
// (jobs, experiments, registered models, grants, permissions, monitors, ...) and every workspace path.
func inventory(req testserver.Request) any {
	ws := req.Workspace
	if ws == nil {
		return testserver.Response{StatusCode: http.StatusUnauthorized, Body: map[string]string{"message": "no token"}}
	}
	collections := map[string][]string{}
	unlock := ws.LockUnlock()
	value := reflect.ValueOf(ws).Elem()
	for i := 0; i < value.NumField(); i++ {
		field := value.Type().Field(i)
		if !field.IsExported() || field.Type.Kind() != reflect.Map {
			continue
		}
		keys := []string{}
		for _, key := range value.Field(i).MapKeys() {
			keys = append(keys, fmt.Sprint(key.Interface()))
		}
		sort.Strings(keys)
		collections[field.Name] = keys
	}
	unlock()

	var paths []string
	pending := []string{"/"}
	for len(pending) > 0 {
		dir := pending[0]
		pending = pending[1:]
		listing, ok := ws.WorkspaceList(dir).Body.(workspace.ListResponse)
		if !ok {
			continue
		}
		for _, object := range listing.Objects {
			paths = append(paths, object.Path)
			if object.ObjectType == workspace.ObjectTypeDirectory && path.Clean(object.Path) != path.Clean(dir) {
				pending = append(pending, object.Path)
			}
		}
	}
	sort.Strings(paths)
	return map[string]any{"collections": collections, "workspace_paths": paths}
}

// ---- certificates ------------------------------------------------------------------------------------------------

// authority is a throwaway CA made at start; it signs one leaf certificate per host, on demand.
type authority struct {
	file  string
	cert  *x509.Certificate
	key   *ecdsa.PrivateKey
	mu    sync.Mutex
	leafs map[string]tls.Certificate
}

func newAuthority(dir string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "mlops-stacks workspace simulator CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, fmt.Errorf("cannot write the CA file: %w", err)
	}
	return &authority{file: file, cert: cert, key: key, leafs: map[string]tls.Certificate{}}, nil
}

func (a *authority) certificateFor(host string) (tls.Certificate, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if leaf, ok := a.leafs[host]; ok {
		return leaf, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	template := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: truncate(host, 64)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(48 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		template.IPAddresses = []net.IP{ip}
	} else {
		template.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	a.leafs[host] = leaf
	return leaf, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
