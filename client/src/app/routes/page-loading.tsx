import { Loading } from '../../components/status.tsx';

export function PageLoading() {
  return (
    <div className="page">
      <Loading />
    </div>
  );
}
