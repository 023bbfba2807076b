// Sign-in: a bearer token (a configured token or an access token from the issuer), or on a
// demo host (`pim-host serve --demo`) a picker of the demo callers.

import { useEffect, useState } from 'preact/hooks';

import { setToken, type Json } from '../api';

export function SignIn({ problem, onSignIn }: { problem: string | null; onSignIn: () => void }) {
  const [callers, setCallers] = useState<{ principal: string; token: string }[]>([]);
  const [value, setValue] = useState('');

  useEffect(() => {
    fetch('/console/sign-in')
      .then((r) => r.json())
      .then((s: Json) => setCallers(s.callers ?? []))
      .catch(() => setCallers([]));
  }, []);

  const use = (t: string) => {
    setToken(t);
    onSignIn();
  };

  return (
    <main id="main" class="signin">
      <h1>pim console</h1>
      <p>Privileged Identity Management: activate, assign, approve and review roles.</p>
      {problem && <p class="error" role="alert">Sign-in failed: {problem}</p>}
      {callers.length > 0 && (
        <section aria-labelledby="demo-h">
          <h2 id="demo-h">Demo tenant: sign in as</h2>
          <ul class="pickers">
            {callers.map((c) => (
              <li key={c.principal}>
                <button type="button" onClick={() => use(c.token)}>
                  {c.principal.charAt(0).toUpperCase() + c.principal.slice(1)}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <form onSubmit={(e) => { e.preventDefault(); if (value.trim()) use(value.trim()); }}>
        <label for="token">Bearer token</label>
        <input id="token" type="password" autoComplete="off" value={value}
          onInput={(e) => setValue(e.currentTarget.value)} required />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
