import { Anchor, Breadcrumbs, Text } from '@mantine/core';
import { Link } from 'react-router';

/** ClusterBreadcrumbs is the trail of a page under a cluster: Overview › the cluster › the page. */
export function ClusterBreadcrumbs({ cluster, page }: { cluster: string; page: string }) {
  return (
    <Breadcrumbs>
      <Anchor component={Link} to="/">
        Overview
      </Anchor>
      <Anchor component={Link} to={`/clusters/${encodeURIComponent(cluster)}`}>
        {cluster}
      </Anchor>
      <Text>{page}</Text>
    </Breadcrumbs>
  );
}
