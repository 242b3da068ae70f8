package frontend

// SessionCookie lets the tests outside the package present a session the
// way a browser does.
var SessionCookie = sessionCookie
