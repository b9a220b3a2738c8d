import { Navigate, type RouteObject } from 'react-router';
import { AppLayout } from './components/app-layout';
import { RequireAdmin, RequireAuth } from './components/require-auth';
import { AdminJobsPage } from './pages/admin/jobs-page';
import { AdminModelsPage } from './pages/admin/models-page';
import { AdminUsersPage } from './pages/admin/users-page';
import { AvatarEditorPage } from './pages/avatars/avatar-editor-page';
import { AvatarMemoryPage } from './pages/avatars/avatar-memory-page';
import { AvatarsPage } from './pages/avatars/avatars-page';
import { ChatLayout } from './pages/chat/chat-layout';
import { ChatStartPage } from './pages/chat/chat-start-page';
import { ConversationPage } from './pages/chat/conversation-page';
import { NewConversationPage } from './pages/chat/new-conversation-page';
import { ChoosePasswordPage, RequireChosenPassword } from './pages/choose-password-page';
import { HomePage } from './pages/home-page';
import { LoginPage } from './pages/login-page';
import { NotFoundPage } from './pages/not-found-page';
import { ResetPasswordPage } from './pages/reset-password-page';
import { RouteErrorPage } from './pages/route-error-page';
import { MemoryPage } from './pages/settings/memory-page';
import { ModelsPage } from './pages/settings/models/models-page';
import { ProfilePage } from './pages/settings/profile-page';
import { SessionsPage } from './pages/settings/sessions-page';
import { TokensPage } from './pages/settings/tokens-page';
import { VoicePage } from './pages/settings/voice-page';
import { SignupPage } from './pages/signup-page';
import { StatusPage } from './pages/status-page';

/**
 * Every page of the app. Add a route here and its entry in AppLayout's navigation together.
 * Home and System status are public (they show only the public /health report); account and
 * admin pages need a signed-in user.
 */
export const routes: RouteObject[] = [
  { path: 'login', element: <LoginPage />, errorElement: <RouteErrorPage /> },
  { path: 'signup', element: <SignupPage />, errorElement: <RouteErrorPage /> },
  { path: 'reset-password', element: <ResetPasswordPage />, errorElement: <RouteErrorPage /> },
  { path: 'choose-password', element: <ChoosePasswordPage />, errorElement: <RouteErrorPage /> },
  {
    element: (
      <RequireChosenPassword>
        <AppLayout />
      </RequireChosenPassword>
    ),
    errorElement: <RouteErrorPage />,
    children: [
      { index: true, element: <HomePage /> },
      { path: 'status', element: <StatusPage /> },
      {
        element: <RequireAuth />,
        children: [
          {
            path: 'chat',
            element: <ChatLayout />,
            children: [
              { index: true, element: <ChatStartPage /> },
              { path: 'new', element: <NewConversationPage /> },
              { path: ':conversationId', element: <ConversationPage /> },
            ],
          },
          { path: 'avatars', element: <AvatarsPage /> },
          { path: 'avatars/:id', element: <AvatarEditorPage /> },
          { path: 'avatars/:id/memory', element: <AvatarMemoryPage tab="memory" /> },
          { path: 'avatars/:id/knowledge', element: <AvatarMemoryPage tab="knowledge" /> },
          { path: 'settings', element: <Navigate to="/settings/profile" replace /> },
          { path: 'settings/profile', element: <ProfilePage /> },
          { path: 'settings/models', element: <ModelsPage /> },
          { path: 'settings/memory', element: <MemoryPage /> },
          { path: 'settings/voice', element: <VoicePage /> },
          { path: 'settings/sessions', element: <SessionsPage /> },
          { path: 'settings/tokens', element: <TokensPage /> },
          { path: 'admin', element: <Navigate to="/admin/users" replace /> },
          {
            path: 'admin/models',
            element: (
              <RequireAdmin>
                <AdminModelsPage />
              </RequireAdmin>
            ),
          },
          {
            path: 'admin/jobs',
            element: (
              <RequireAdmin>
                <AdminJobsPage />
              </RequireAdmin>
            ),
          },
          {
            path: 'admin/users',
            element: (
              <RequireAdmin>
                <AdminUsersPage />
              </RequireAdmin>
            ),
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
