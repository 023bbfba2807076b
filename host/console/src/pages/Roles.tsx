// Roles: every role definition, searchable by name; each opens its assignments and settings.

import { useState } from 'preact/hooks';

import { DIRECTORY, list, type Json } from '../api';
import { Loading, Table, useLoad } from '../ui';

export function Roles() {
  const { data, error } = useLoad(() => list(`${DIRECTORY}/roleDefinitions`));
  const [search, setSearch] = useState('');
  if (!data) return <><h1>Roles</h1><Loading error={error} what="the roles" /></>;
  const q = search.trim().toLowerCase();
  const shown = data
    .filter((r: Json) => !q || String(r.displayName).toLowerCase().includes(q))
    .sort((a: Json, b: Json) => String(a.displayName).localeCompare(String(b.displayName)));
  return (
    <>
      <h1>Roles</h1>
      <label for="role-search">Search roles</label>
      <input id="role-search" type="search" value={search} placeholder="e.g. Exchange"
        onInput={(e) => setSearch(e.currentTarget.value)} />
      <p class="hint" aria-live="polite">{shown.length} of {data.length} roles</p>
      <Table id="roles" caption="Role definitions" head={['Role', 'Description', 'Type']} empty="No role matches.">
        {shown.map((r: Json) => (
          <tr key={r.id}>
            <th scope="row"><a href={`#/roles/${encodeURIComponent(r.id)}`}>{r.displayName}</a></th>
            <td>{r.description}</td>
            <td>{r.isBuiltIn ? 'Built-in' : 'Custom'}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}
