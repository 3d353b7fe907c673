//! `Client::projects`: every project over every page of `getProjects`.

use datasaur::operations::get_projects::GetProjectsFilterInput;
use datasaur_sandbox::{Sandbox, SandboxConfig};
use futures::{StreamExt, TryStreamExt};

use crate::support::sandbox::SandboxClient;

#[tokio::test]
async fn every_project_over_every_page_asked_for_as_the_stream_reaches_it() {
    let sandbox = Sandbox::start(SandboxConfig::default().page_size(100))
        .await
        .unwrap();
    let mut made = Vec::new();
    for n in 0..250 {
        let team = if n % 5 == 0 { "T1" } else { "T2" };
        made.push(sandbox.create_project(&format!("project {n}"), Some(team)));
    }
    let client = sandbox.client();

    let listed: Vec<datasaur::Project> = client.projects(None).try_collect().await.unwrap();
    assert_eq!(listed.len(), 250);
    let ids: Vec<&str> = listed.iter().map(|project| project.id.as_str()).collect();
    assert_eq!(ids, made.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(listed[7].name, "project 7");
    assert_eq!(sandbox.stats().operation("GetProjects"), 3, "three pages");

    // A page is asked for only when the stream reaches it.
    let first: Vec<_> = client.projects(None).take(10).collect().await;
    assert_eq!(first.len(), 10);
    assert_eq!(sandbox.stats().operation("GetProjects"), 4);

    // A filter: one team's fifty.
    let team: Vec<datasaur::Project> = client
        .projects(GetProjectsFilterInput::new().team_id("T1"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(team.len(), 50);
    assert!(
        team.iter()
            .all(|project| project.name.ends_with('0') || project.name.ends_with('5'))
    );
}
