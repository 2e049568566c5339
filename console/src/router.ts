/**
 * @module Path routing under `/console/` with the History API: every page has its own URL (deep links work, the
 * gateway serves the app for any console path), and query parameters hold a page's filters so a view can be shared.
 */
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console/';

export interface Route {
  page: string;
  params: URLSearchParams;
}

function current(): Route {
  const rest = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : '';
  return { page: rest.split('/')[0] ?? '', params: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();

export function navigate(page: string, params?: Record<string, string | null | undefined>): void {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) if (value) search.set(name, value);
  const query = search.toString();
  window.history.pushState(null, '', `${BASE}${page}${query ? `?${query}` : ''}`);
  for (const listener of listeners) listener();
}

/** Replaces the query of the current page (filters) without a new history entry. */
export function setParams(params: Record<string, string | null | undefined>): void {
  const search = new URLSearchParams(window.location.search);
  for (const [name, value] of Object.entries(params)) {
    if (value) search.set(name, value);
    else search.delete(name);
  }
  const query = search.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${query ? `?${query}` : ''}`);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}
