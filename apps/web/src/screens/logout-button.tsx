import { Button } from '@mantine/core';
import { logout } from '@promptdev/api-client';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';

export function LogoutButton() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (
    <Button
      size="xs"
      variant="subtle"
      onClick={() => {
        void logout().finally(() => {
          queryClient.clear();
          void navigate('/login', { replace: true });
        });
      }}
    >
      Log out
    </Button>
  );
}
