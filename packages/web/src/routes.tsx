import type { RouteObject } from 'react-router';
import { AppLayout } from './components/app-layout';
import { HomePage } from './pages/home-page';
import { NotFoundPage } from './pages/not-found-page';
import { RouteErrorPage } from './pages/route-error-page';
import { StatusPage } from './pages/status-page';

/** Every page of the app. Add a route here and its entry in AppLayout's NAV_ITEMS together. */
export const routes: RouteObject[] = [
  {
    element: <AppLayout />,
    errorElement: <RouteErrorPage />,
    children: [
      { index: true, element: <HomePage /> },
      { path: 'status', element: <StatusPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
