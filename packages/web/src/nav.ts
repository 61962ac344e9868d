/** NavItem is one page in the navigation bar. */
export interface NavItem {
  /** path is the route the item links to. */
  path: string;
  /** title is the label in the navigation. */
  title: string;
}

/** NAV lists the top-level pages in the order they appear; a new page adds one line here and one route in App. */
export const NAV: NavItem[] = [
  { path: '/', title: 'Overview' },
  { path: '/dashboards', title: 'Dashboards' },
  { path: '/alerts', title: 'Alerts' },
  { path: '/settings', title: 'Settings' },
];
