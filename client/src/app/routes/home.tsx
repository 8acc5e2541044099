import { Navigate } from 'react-router';
import { useMe } from '../../lib/me.ts';
import { homeFor } from '../nav.ts';

/** `/`: sends each user to the page that suits their role (the layout has loaded /api/me). */
export default function HomePage() {
  const me = useMe();
  if (!me.data) return null;
  return <Navigate to={homeFor(me.data)} replace />;
}
