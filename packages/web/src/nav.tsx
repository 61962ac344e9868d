import { lazy, type ReactNode } from 'react';
import { OverviewPage } from './pages/overview/OverviewPage.tsx';

// The overview is the landing page and stays in the initial bundle; everything else (and uPlot) loads on demand.
const ClusterPage = lazy(() => import('./pages/cluster/ClusterPage.tsx').then((m) => ({ default: m.ClusterPage })));
const MemberPage = lazy(() => import('./pages/cluster/MemberPage.tsx').then((m) => ({ default: m.MemberPage })));
const SettingsPage = lazy(() => import('./pages/settings/SettingsPage.tsx').then((m) => ({ default: m.SettingsPage })));
const DashboardsPage = lazy(() => import('./pages/dashboards/DashboardsPage.tsx').then((m) => ({ default: m.DashboardsPage })));
const KeysPage = lazy(() => import('./pages/keys/KeysPage.tsx').then((m) => ({ default: m.KeysPage })));
const ConsolePage = lazy(() => import('./pages/console/ConsolePage.tsx').then((m) => ({ default: m.ConsolePage })));
const AlertsPage = lazy(() => import('./pages/alerts/AlertsPage.tsx').then((m) => ({ default: m.AlertsPage })));

/** Page is one page of the UI: its route, its name, what draws it, whether the navigation bar links to it, and the pages under it. */
export interface Page {
  /** path is the route pattern: absolute for a top-level page, relative to its parent's path for a nested one. */
  path: string;
  /** title is the page's name, the label of its link in the navigation bar. */
  title: string;
  /** element draws the page at `path` itself; without it the page only groups its children. */
  element?: ReactNode;
  /** nav puts a link to `path` in the navigation bar, in the order of PAGES. */
  nav?: boolean;
  /** children are the pages whose paths continue this one's. */
  children?: Page[];
}

/** PAGES lists every page; the navigation bar and the routes are both built from it, so a new page is one entry here. */
export const PAGES: Page[] = [
  { path: '/', title: 'Overview', element: <OverviewPage />, nav: true },
  {
    path: '/clusters/:name',
    title: 'Cluster',
    element: <ClusterPage />,
    children: [
      { path: 'members/:member', title: 'Member', element: <MemberPage /> },
      { path: 'keys', title: 'Keys', element: <KeysPage /> },
      { path: 'console', title: 'Console', element: <ConsolePage /> },
    ],
  },
  { path: '/dashboards', title: 'Dashboards', element: <DashboardsPage />, nav: true },
  // One route for every tab, so switching tabs keeps the page mounted; an unknown tab shows the first.
  { path: '/alerts', title: 'Alerts', nav: true, children: [{ path: ':tab?', title: 'Alerts tab', element: <AlertsPage /> }] },
  { path: '/settings', title: 'Settings', element: <SettingsPage />, nav: true },
];

/** NAV is the navigation bar: the pages of PAGES marked `nav`, in order. */
export const NAV: Page[] = PAGES.filter((p) => p.nav);
