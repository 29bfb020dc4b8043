// The main journeys of a reader, through a client generated from
// openapi/openapi.json and nothing else: if this type-checks under `strict`,
// `noUncheckedIndexedAccess` and `exactOptionalPropertyTypes` with no casts,
// and runs, the document says what the server does.
//
//   node dist/journey.js http://127.0.0.1:8080 /path/to/outbox
//
// The server must hold the demo content (`newsroom seed-demo`).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type TokenResponse = components["schemas"]["TokenResponse"];

function argument(index: number): string {
  const value = process.argv[index + 2];
  if (value === undefined) {
    throw new Error("usage: node dist/journey.js BASE_URL OUTBOX_DIR");
  }
  return value;
}

const baseUrl = argument(0);
const outbox = argument(1);
const client = createClient<paths>({ baseUrl });

function check(condition: boolean, what: string): asserts condition {
  if (!condition) {
    throw new Error(`journey failed: ${what}`);
  }
}

function bearer(session: TokenResponse): { Authorization: string } {
  return { Authorization: `Bearer ${session.access_token}` };
}

/** The token of the newest reset link in the outbox, waiting for the mail. */
async function resetTokenFromOutbox(): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const mails = readdirSync(outbox)
      .filter((name) => name.endsWith(".eml"))
      .map((name) => join(outbox, name))
      .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
    const newest = mails.at(-1);
    if (newest !== undefined) {
      // Quoted-printable: soft line breaks go, `=3D` is `=`.
      const text = readFileSync(newest, "utf8").replaceAll("=\r\n", "").replaceAll("=3D", "=");
      const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
      if (token !== undefined) {
        return token;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("journey failed: no reset mail in the outbox");
}

const email = `journey-${Date.now()}@example.com`;
const password = "a long journey passphrase";

// Register, then log in: two sessions.
const registered = await client.POST("/api/v1/auth/register", {
  body: { email, password, display_name: "Journey Reader" },
});
check(registered.response.status === 201 && registered.data !== undefined, "register");
const login = await client.POST("/api/v1/auth/login", { body: { email, password } });
check(login.data !== undefined, "login");
let session: TokenResponse = login.data;
check(session.token_type === "Bearer" && session.user.bio === null, "token response");

// A category's list, then its second page by `next_cursor`.
const first = await client.GET("/api/v1/articles", { params: { query: { category: "world", limit: 2 } } });
check(first.data !== undefined && first.data.items.length === 2, "first page of World");
const cursor = first.data.next_cursor;
check(cursor !== null, "World has a second page");
const second = await client.GET("/api/v1/articles", {
  params: { query: { category: "world", limit: 2, cursor } },
});
check(second.data !== undefined && second.data.items.length > 0, "second page of World");
const article = first.data.items[0];
check(article !== undefined, "an article");
check(article.category?.path[0]?.slug === "world", "breadcrumb starts at World");

// One article by slug, then again with its ETag: 304.
const read = await client.GET("/api/v1/articles/{article}", {
  params: { path: { article: article.slug } },
  headers: bearer(session),
});
check(read.data !== undefined && read.data.body_html.length > 0 && read.data.my_vote === null, "read by slug");
const etag = read.response.headers.get("ETag");
check(etag !== null, "an ETag");
const again = await client.GET("/api/v1/articles/{article}", {
  params: { path: { article: article.slug }, header: { "If-None-Match": etag } },
  headers: bearer(session),
});
check(again.response.status === 304, "304 with If-None-Match");

// Vote up, then down, then withdraw.
const id = String(article.id);
const up = await client.PUT("/api/v1/articles/{article}/vote", {
  params: { path: { article: id } },
  body: { value: 1 },
  headers: bearer(session),
});
check(up.data?.my_vote === 1, "vote up");
const down = await client.PUT("/api/v1/articles/{article}/vote", {
  params: { path: { article: id } },
  body: { value: -1 },
  headers: bearer(session),
});
check(down.data?.my_vote === -1 && down.data.down >= 1, "vote down");
const withdrawn = await client.DELETE("/api/v1/articles/{article}/vote", {
  params: { path: { article: id } },
  headers: bearer(session),
});
check(withdrawn.data !== undefined && withdrawn.data.my_vote === null, "withdraw the vote");

// A collection: create, save the article, list it, and the dialog's flag.
const created = await client.POST("/api/v1/collections", {
  body: { name: "Read later", visibility: "private" },
  headers: bearer(session),
});
check(created.data !== undefined && created.data.description === null, "create a collection");
const collection = created.data.id;
const saved = await client.PUT("/api/v1/collections/{id}/articles/{article}", {
  params: { path: { id: collection, article: id } },
  headers: bearer(session),
});
check(saved.response.status === 201 && saved.data?.article_count === 1, "save the article");
const items = await client.GET("/api/v1/collections/{id}/articles", {
  params: { path: { id: collection } },
  headers: bearer(session),
});
const item = items.data?.items[0];
check(item !== undefined && item.available && item.id === article.id, "the saved article, readable");
const dialog = await client.GET("/api/v1/collections", {
  params: { query: { article: article.slug } },
  headers: bearer(session),
});
check(dialog.data?.items[0]?.contains_article === true, "contains_article");

// Forgot password → the mail → verify → reset → log in with the new one.
const forgot = await client.POST("/api/v1/auth/password/forgot", { body: { email } });
check(forgot.response.status === 202, "forgot password");
const token = await resetTokenFromOutbox();
const verified = await client.POST("/api/v1/auth/password/reset/verify", { body: { token } });
check(verified.data?.valid === true, "verify the link");
const newPassword = "a brand new journey passphrase";
const reset = await client.POST("/api/v1/auth/password/reset", { body: { token, password: newPassword } });
check(reset.response.status === 204, "reset the password");
const stale = await client.GET("/api/v1/users/me", { headers: bearer(session) });
check(stale.response.status === 401, "the old session ended");
const relogin = await client.POST("/api/v1/auth/login", { body: { email, password: newPassword } });
check(relogin.data !== undefined, "log in with the new password");
session = relogin.data;

// Refresh, then log out.
const refreshed = await client.POST("/api/v1/auth/refresh", { body: { refresh_token: session.refresh_token } });
check(refreshed.data !== undefined, "refresh");
session = refreshed.data;
const me = await client.GET("/api/v1/users/me", { headers: bearer(session) });
check(me.data?.email === email, "who am I");
const logout = await client.POST("/api/v1/auth/logout", { body: { refresh_token: session.refresh_token } });
check(logout.response.status === 204, "log out");
const after = await client.GET("/api/v1/users/me", { headers: bearer(session) });
check(after.response.status === 401, "logged out");

console.log("TypeScript journey: every step passed");
