// The console's shell: sign-in, the navigation, and a hash router over the pages (one file
// each under pages/). The page is static: every action is a Graph call made with the user's
// token, which the server decides.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import './style.css';
import { api, describe, setToken, token, type Json } from './api';
import { load } from './pim';
import { SignIn } from './pages/SignIn';
import { MyRoles } from './pages/MyRoles';
import { Approvals } from './pages/Approvals';
import { Roles } from './pages/Roles';
import { Role } from './pages/Role';
import { AddAssignment } from './pages/AddAssignment';
import { RoleSettings } from './pages/RoleSettings';
import { Alerts } from './pages/Alerts';
import { Reviews } from './pages/Reviews';
import { Audit } from './pages/Audit';

/** The signed-in user, as `GET /v1.0/me` answers. */
export interface Me {
  id: string;
  displayName: string;
}

const NAV: [string, string][] = [
  ['#/my-roles', 'My roles'],
  ['#/approvals', 'Approve requests'],
  ['#/roles', 'Roles'],
  ['#/alerts', 'Alerts'],
  ['#/reviews', 'Access reviews'],
  ['#/audit', 'Audit'],
];

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/my-roles');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/my-roles');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Page({ hash, me }: { hash: string; me: Me }) {
  const parts = hash.replace(/^#\//, '').split('/').map(decodeURIComponent);
  switch (parts[0]) {
    case 'approvals':
      return <Approvals me={me} />;
    case 'roles':
      if (parts[1] && parts[2] === 'settings') return <RoleSettings roleId={parts[1]} />;
      if (parts[1] && parts[2] === 'add') return <AddAssignment roleId={parts[1]} />;
      if (parts[1]) return <Role roleId={parts[1]} />;
      return <Roles />;
    case 'alerts':
      return <Alerts />;
    case 'reviews':
      return <Reviews me={me} />;
    case 'audit':
      return <Audit me={me} />;
    default:
      return <MyRoles me={me} />;
  }
}

function App() {
  const hash = useHash();
  const [me, setMe] = useState<Me | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [signedIn, setSignedIn] = useState(Boolean(token()));

  useEffect(() => {
    if (!signedIn) return;
    api('/v1.0/me')
      .then((m: Json) => setMe({ id: m.id, displayName: m.displayName ?? m.id }))
      .catch((e) => {
        setToken(null);
        setSignedIn(false);
        setProblem(describe(e));
      });
  }, [signedIn]);

  useEffect(() => {
    const title = NAV.find(([h]) => hash.startsWith(h))?.[1] ?? 'pim';
    document.title = `${title} · pim console`;
  }, [hash]);

  if (!signedIn) {
    return <SignIn problem={problem} onSignIn={() => { setProblem(null); setSignedIn(true); }} />;
  }
  if (!me) return <p class="loading" role="status">Signing in…</p>;
  const signOut = () => {
    setToken(null);
    setMe(null);
    setSignedIn(false);
  };
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">pim</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([h, label]) => (
              <li key={h}>
                <a href={h} aria-current={hash.startsWith(h) ? 'page' : undefined}>{label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          <span data-testid="signed-in-as">{me.displayName}</span>
          <button type="button" class="link" onClick={signOut}>Sign out</button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Page hash={hash} me={me} />
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  load()
    .then(() => {
      root.replaceChildren();
      render(<App />, root);
      document.body.dataset.ready = 'true';
    })
    .catch((e) => {
      root.textContent = `The console could not load pim's WebAssembly module: ${describe(e)}`;
    });
}
