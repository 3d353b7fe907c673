//! Creating projects and adding documents against the sandbox: upload,
//! create, wait for the id, add, export, and the documents in the archive;
//! what is refused before anything is sent; a failed creation; a resumed one.

use std::time::Duration;

use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
use datasaur::{
    DownloadOptions, NewDocuments, NewProject, ProjectCreation, ProjectDocument, UploadSource,
    WaitError,
};
use datasaur_sandbox::{JobScript, Sandbox, SandboxConfig, ScriptRule};

use crate::support::files::scratch;
use crate::support::sandbox::SandboxClient;

/// Uploads `names` (files written under `dir`) and gives their documents.
async fn upload(
    client: &datasaur::Client,
    dir: &std::path::Path,
    names: &[&str],
) -> Vec<ProjectDocument> {
    let sources: Vec<UploadSource> = names
        .iter()
        .map(|name| {
            let path = dir.join(name);
            std::fs::write(&path, format!("the text of {name}\n")).unwrap();
            UploadSource::path(path)
        })
        .collect();
    client
        .upload_all(sources, None)
        .await
        .into_iter()
        .map(|upload| {
            let upload = upload.unwrap();
            ProjectDocument::object_key(upload.name, upload.object_key)
        })
        .collect()
}

/// The files of the zip at `path` under its `REVIEW` folders, file names only.
fn reviewed_documents(path: &std::path::Path) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().into_owned())
        .filter_map(|name| name.split_once("/REVIEW/").map(|(_, file)| file.to_owned()))
        .collect();
    names.sort();
    names
}

#[tokio::test(start_paused = true)]
async fn upload_create_wait_add_and_export_holds_the_five_documents() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let dir = scratch("project-creation-five");

    let first = upload(&client, &dir, &["a.txt", "b.txt", "c.txt"]).await;
    let creation = client
        .create_project(
            NewProject::new("Reviews")
                .team_id("T1")
                .kinds(["DOCUMENT_BASED"])
                .purpose("LABELING")
                .documents(first),
        )
        .await
        .unwrap();
    assert_eq!(creation.name(), "Reviews");
    assert!(
        creation.job().id().starts_with("CreateProjectQueue:"),
        "{}",
        creation.job().id()
    );
    let project = creation.wait(None).await.unwrap();
    assert_eq!(project.name, "Reviews");
    assert_eq!(
        sandbox.project_documents(&project.id),
        Some(vec![
            "a.txt".to_owned(),
            "b.txt".to_owned(),
            "c.txt".to_owned()
        ])
    );

    let more = upload(&client, &dir, &["d.txt", "e.txt"]).await;
    let added = client
        .add_documents(NewDocuments::new(more).field("projectId", project.id.clone()))
        .await
        .unwrap();
    let job = added.wait(None).await.unwrap();
    assert_eq!(job.result_id.as_deref(), Some(project.id.as_str()));

    let export = client
        .export_project(ExportTextProjectInput::new(
            "reviews",
            "JSON",
            GqlExportMethod::FileStorage,
            [project.id.as_str()],
        ))
        .await
        .unwrap();
    export.wait(None).await.unwrap();
    export
        .download_to(dir.join("reviews.zip"), DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(
        reviewed_documents(&dir.join("reviews.zip")),
        [
            "a.txt.json",
            "b.txt.json",
            "c.txt.json",
            "d.txt.json",
            "e.txt.json"
        ]
    );
    assert_eq!(sandbox.stats().operation("CreateProjectMutation"), 1);
    assert_eq!(
        sandbox.stats().operation("AddDocumentsToProjectMutation"),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn a_project_that_would_be_refused_is_refused_before_anything_is_sent() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let key = |n: usize| {
        ProjectDocument::object_key(format!("{n}.txt"), format!("temp/upload-proxy/{n}.txt"))
    };
    let cases: Vec<(NewProject, &str)> = vec![
        (NewProject::new("empty"), "no documents"),
        (NewProject::new("big").documents((0..101).map(key)), "101 documents"),
        (NewProject::new("twice").documents([key(1), key(1)]), "two documents are named \"1.txt\""),
        (NewProject::new(" ").document(key(1)), "the name is empty"),
        (
            NewProject::new("both").settings(serde_json::json!({"input": {"documents": [
                {"document": {"name": "x", "objectKey": "k", "externalUrl": "https://example.com/x"}}
            ]}})),
            "both `objectKey` and `externalUrl`",
        ),
        (
            NewProject::new("neither").settings(serde_json::json!({"documents": [{"document": {"name": "x"}}]})),
            "neither `objectKey` nor `externalUrl`",
        ),
        (NewProject::new("list").document(key(1)).settings(serde_json::json!([1])), "not a JSON object"),
    ];
    for (project, expected) in cases {
        let error = client.create_project(project).await.unwrap_err();
        assert!(error.is_config(), "{error}");
        assert!(
            error.to_string().contains(expected),
            "{error} lacks {expected:?}"
        );
    }
    let error = client
        .add_documents(NewDocuments::new([key(1)]).field("documents", serde_json::json!([])))
        .await
        .unwrap_err();
    assert!(error.is_config(), "{error}");
    assert_eq!(sandbox.stats().graphql_requests, 0, "nothing was sent");
}

#[tokio::test(start_paused = true)]
async fn an_object_key_the_upload_proxy_never_issued_is_refused_once() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let error = client
        .create_project(
            NewProject::new("ghost").document(ProjectDocument::object_key(
                "a.txt",
                "temp/upload-proxy/never.txt",
            )),
        )
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("is not one the upload proxy issued"),
        "{error}"
    );
    assert_eq!(
        sandbox.stats().operation("CreateProjectMutation"),
        1,
        "never repeated"
    );
    assert_eq!(sandbox.stats().jobs_started, 0);
}

#[tokio::test(start_paused = true)]
async fn a_failed_creation_is_the_jobs_failure_and_makes_no_project() {
    let config = SandboxConfig::default().script_for(ScriptRule::new(
        "createProject",
        JobScript::failed(
            Duration::from_secs(1),
            Duration::from_secs(2),
            "no such label set",
        ),
    ));
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = sandbox.client();
    let dir = scratch("project-creation-failed");
    let documents = upload(&client, &dir, &["a.txt"]).await;
    let creation = client
        .create_project(NewProject::new("Doomed").documents(documents))
        .await
        .unwrap();
    match creation.wait(None).await {
        Err(WaitError::Failed { job, .. }) => {
            assert!(
                format!("{:?}", job.errors).contains("no such label set"),
                "{job:?}"
            )
        }
        other => panic!("expected the job's failure, got {other:?}"),
    }
    let listed: Vec<datasaur::Project> = futures::TryStreamExt::try_collect(client.projects(None))
        .await
        .unwrap();
    assert!(listed.is_empty(), "{listed:?}");
}

#[tokio::test(start_paused = true)]
async fn a_saved_creation_resumed_in_another_client_gives_the_project() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let dir = scratch("project-creation-resumed");
    let documents = upload(&client, &dir, &["a.txt"]).await;
    let creation = client
        .create_project(NewProject::new("Saved").documents(documents))
        .await
        .unwrap();
    let saved = serde_json::to_string(&creation.job().saved()).unwrap();
    drop(creation);

    let other = sandbox.client();
    let resumed = ProjectCreation::resumed(
        other.resume_job(serde_json::from_str(&saved).unwrap()),
        "Saved",
    );
    let project = resumed.wait(None).await.unwrap();
    assert_eq!(project.name, "Saved");
    assert_eq!(
        sandbox.project_documents(&project.id),
        Some(vec!["a.txt".to_owned()])
    );
}

#[tokio::test(start_paused = true)]
async fn a_creation_delivered_without_a_result_id_says_the_id_is_unknown() {
    // A job delivered without a resultId (the sandbox's automation jobs
    // name none), waited on as a creation.
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let job = client
        .run_automation(
            "automation-1",
            datasaur::operations::run_automation::AutomationType::ProjectCreation,
        )
        .await
        .unwrap();
    let creation = ProjectCreation::resumed(job, "Unknown");
    match creation.wait(None).await {
        Err(WaitError::Poll { source, .. }) => {
            assert!(
                source.to_string().contains("without a usable resultId"),
                "{source}"
            );
            assert!(source.to_string().contains("\"Unknown\""), "{source}");
        }
        other => panic!("expected a poll error, got {other:?}"),
    }
}
