/**
 * What `auth-emulator init` writes: a commented starter config, a sample rule and the editor schema. The config
 * is the example config with comments, so everything README shows works against it.
 */
/**
 * The editor schema goes beside the config, to be committed with it, so a teammate's clone has it too: not in
 * .auth-emulator/ (keys and refresh tokens, ignored by git), nor node_modules/auth-emulator/schema/ (there only
 * where the package is installed in that very folder, not with `npm link`).
 */
export const SCHEMA_PATH = 'auth.config.schema.json';

export const STARTER_CONFIG = `# yaml-language-server: $schema=./${SCHEMA_PATH}
# auth-emulator config. Field names are Auth0's own (Management API), so a tenant maps one to one.
# Saved changes are picked up at once; \`auth-emulator check\` validates without starting.
tenants:
  - name: dev                                  # served at http://localhost:4400/dev/ (and at / while it is the only tenant)
    default_directory: Username-Password-Authentication   # the connection grant_type=password uses
    rules: ./rules.js                          # classic rules (a list runs in order); see also hooks: and actions:
    rules_configuration: { GREETING: hello }   # the rules' \`configuration\` object

    apis:                                      # resource servers: the \`audience\` of access tokens
      - identifier: https://someapi.com/api
        scopes: [read:sample, write:sample]
        allow_offline_access: true             # refresh tokens for \`offline_access\`

    clients:
      - client_id: trusted-app                 # a confidential (machine or backend) client
        client_secret: trusted-app-secret
        name: Trusted App
        app_type: non_interactive
        token_endpoint_auth_method: client_secret_post
        grant_types:
          - password
          - http://auth0.com/oauth/grant-type/password-realm
          - refresh_token
          - client_credentials
        client_metadata: { plan: gold }
      - client_id: spa                         # a single-page app (auth0-spa-js): a public client, no secret
        name: Public SPA
        app_type: spa
        token_endpoint_auth_method: none
        grant_types: [authorization_code, refresh_token, password]
        callbacks: [http://localhost:3000]     # where /authorize may return to (auth0-spa-js: the page's origin)
        allowed_logout_urls: [http://localhost:3000]   # where a logout may return to
        web_origins: [http://localhost:3000]   # silent authentication, and /oauth/token from the browser
      - client_id: web-app                     # a regular web app (express-openid-connect): a confidential client
        client_secret: web-app-secret
        name: Regular Web App
        app_type: regular_web
        token_endpoint_auth_method: client_secret_basic   # express-openid-connect's default
        grant_types: [authorization_code, implicit, refresh_token]   # implicit: express-openid-connect's default id_token + form_post
        callbacks: [http://localhost:3000/callback]
        allowed_logout_urls: [http://localhost:3000]

    client_grants:                             # what client_credentials may get, per API
      - client_id: trusted-app
        audience: https://someapi.com/api
        scope: [read:sample]

    connections:                               # database connections (realms) and their users
      - name: Username-Password-Authentication
        users:
          - email: user@example.com
            password: pwd                      # or password_hash: a bcrypt hash
            name: Example User
            user_metadata: { some_user_metadata: value }
            app_metadata: { some_app_metadata: another value }
      - name: employees
        users:
          - email: boss@corp.example
            password: s3cret
`;

export const STARTER_RULE = `/**
 * A rule, exactly as you would paste it into the Auth0 dashboard. It runs on the password, password-realm
 * and refresh-token grants. See README, "Rules, hooks and Actions".
 */
function (user, context, callback) {
  console.log(configuration.GREETING, user.email, 'via', context.clientName, '(' + context.protocol + ')');
  context.accessToken['https://example.com/plan'] = context.clientMetadata.plan || 'free';
  callback(null, user, context);
}
`;
