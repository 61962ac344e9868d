import { Suspense, useEffect, useState, type ReactNode } from 'react';
import { ActionIcon, AppShell, Anchor, Group, Text, Tooltip, useMantineColorScheme, Button, Menu } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { NavLink, Route, Routes, Link, useLocation } from 'react-router';
import { NAV, PAGES, type Page } from './nav.tsx';
import { onUnauthorized, apiFetch } from './api/client.ts';
import { useLiveStream } from './api/live.ts';
import { useWhoami } from './api/queries.ts';
import { LiveIndicator } from './components/LiveIndicator.tsx';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { LoadingState, EmptyState } from './components/states.tsx';
import { LoginPage } from './pages/login/LoginPage.tsx';

/** pageRoute turns a page of PAGES into its route; a page with children draws itself at its own path as their index. */
function pageRoute(p: Page): ReactNode {
  if (!p.children) return <Route key={p.path} path={p.path} element={p.element} />;
  return (
    <Route key={p.path} path={p.path}>
      {p.element !== undefined && <Route index element={p.element} />}
      {p.children.map(pageRoute)}
    </Route>
  );
}

const SCHEME_LABEL = { auto: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' } as const;

/** ThemeSwitch cycles the colour scheme: system → light → dark. */
function ThemeSwitch() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const next = colorScheme === 'auto' ? 'light' : colorScheme === 'light' ? 'dark' : 'auto';
  return (
    <Tooltip label={`${SCHEME_LABEL[colorScheme]} (click for ${next})`}>
      <ActionIcon variant="default" size="lg" aria-label={`${SCHEME_LABEL[colorScheme]}; switch to ${next}`} onClick={() => setColorScheme(next)} data-testid="theme-switch">
        <span aria-hidden style={{ fontSize: 16 }}>
          {colorScheme === 'auto' ? '◐' : colorScheme === 'light' ? '☀' : '☾'}
        </span>
      </ActionIcon>
    </Tooltip>
  );
}

/** UserMenu shows who the UI acts as and offers logout for real sessions. */
function UserMenu() {
  const me = useWhoami();
  const qc = useQueryClient();
  if (!me.data) return null;
  const anonymous = me.data.name.startsWith('anonymous@');
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <Button variant="subtle" size="compact-sm">
          {anonymous ? 'local' : me.data.name} · {me.data.role}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{anonymous ? 'Anonymous loopback access' : `Signed in as ${me.data.name}`}</Menu.Label>
        {!anonymous && (
          <Menu.Item
            onClick={async () => {
              await apiFetch('/logout', { method: 'POST' }).catch(() => undefined);
              qc.clear();
              window.location.assign('/');
            }}
          >
            Log out
          </Menu.Item>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}

/** App is the shell: header with navigation, live state and theme switch; the page routes; the login gate. */
export function App() {
  const qc = useQueryClient();
  const [needLogin, setNeedLogin] = useState(false);
  const location = useLocation();
  useEffect(() => onUnauthorized(() => setNeedLogin(true)), []);
  useLiveStream(qc, !needLogin);

  if (needLogin) {
    return (
      <LoginPage
        onLoggedIn={() => {
          setNeedLogin(false);
          void qc.invalidateQueries();
        }}
      />
    );
  }
  return (
    <AppShell header={{ height: 56 }} padding="md">
      {/* The first Tab stop: keyboard users jump past the header straight to the page. */}
      <a
        href="#main"
        className="skip-link"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <Anchor component={Link} to="/" underline="never" c="inherit" fw={700}>
              etcd-monitor
            </Anchor>
            <Group gap={4} component="nav" aria-label="Main" wrap="nowrap">
              {NAV.map((n) => (
                <NavLink key={n.path} to={n.path} end={n.path === '/'} className="nav-link">
                  {n.title}
                </NavLink>
              ))}
            </Group>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LiveIndicator />
            <UserMenu />
            <ThemeSwitch />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main id="main" tabIndex={-1} style={{ outline: 'none' }}>
        <ErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<LoadingState what="page" />}>
            <Routes>
              {PAGES.map(pageRoute)}
              <Route
                path="*"
                element={
                  <EmptyState
                    title="No such page"
                    action={
                      <Anchor component={Link} to="/">
                        Go to the overview
                      </Anchor>
                    }
                  >
                    <Text span>The address does not match a page of the monitor.</Text>
                  </EmptyState>
                }
              />
            </Routes>
          </Suspense>
        </ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
